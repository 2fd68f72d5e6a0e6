// py-heap and `pyxray heap` (issue 21): a census of the objects the garbage collector tracks,
// by type, the biggest containers and who refers to them, read from memory after the fact.
// Parsing, running and rendering live here, once; a front-end hands over its target.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pyxray/color.hpp"
#include "pyxray/model.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

class Session;

// What one interpreter holds of a type.
struct HeapTypeShare {
    int64_t interpreter_id = 0;
    uint64_t count = 0;
    uint64_t bytes = 0;
};

// One type's objects: how many, and their bytes as sys.getsizeof() counts them (the object and
// its GC pre-header, not what it refers to). A subinterpreter's class of the same module and
// qualname counts with the main one's; `interpreters` tells them apart.
struct HeapType {
    std::string module;    // "builtins" for the builtin types
    std::string qualname;  // "Order", "dict"
    uint64_t count = 0;
    uint64_t bytes = 0;
    // --deep: objects of this type the census reached through tracked ones but the collector
    // does not track (str, int, a tuple of atoms...).
    uint64_t untracked_count = 0;
    uint64_t untracked_bytes = 0;
    std::vector<HeapTypeShare> interpreters = {};  // the tracked objects', by interpreter
};

// A big list, dict, set, frozenset or tuple, and what refers to it where that is cheap to
// tell: a module global ("app.models.CACHE"), a class attribute ("app.Registry.items"), a
// frame's local ("worker (app.py:40) local 'rows'").
struct HeapContainer {
    uint64_t address = 0;
    std::string type;  // the type's qualified name ("list", "app.Index")
    uint64_t length = 0;
    uint64_t bytes = 0;
    int64_t interpreter_id = 0;
    std::vector<std::string> referrers;
};

struct HeapListCount {
    std::string name;  // "0", "1", "2", "permanent"; 3.14's incremental "young", "old[0]", "old[1]"
    uint64_t count = 0;
};

struct HeapInterpreter {
    int64_t id = 0;
    uint64_t count = 0;
    uint64_t bytes = 0;
    std::string source;  // "gc lists" or "mimalloc heaps"
    std::vector<HeapListCount> lists;
};

struct FreeListCount {
    std::string name;
    uint64_t count = 0;
};

// The interpreter's allocator, where the layout (or libpython's symbols) says where it is.
struct InterpreterMemory {
    std::optional<uint64_t> arenas_in_use;
    std::optional<uint64_t> arena_size;
    std::vector<FreeListCount> free_lists;
    std::optional<uint64_t> interned_strings;
    std::vector<std::string> notes;  // each number not told, and why
};

struct HeapReport {
    TargetInfo target;
    RuntimeInfo runtime;
    std::vector<HeapType> types;  // every type, biggest first by the command's order
    uint64_t total_count = 0;     // tracked objects
    uint64_t total_bytes = 0;
    std::vector<HeapContainer> containers;  // longest first
    std::vector<HeapInterpreter> interpreters;
    std::optional<InterpreterMemory> memory;
    bool deep = false;
    uint64_t deep_visited = 0;  // untracked objects counted by --deep
    bool deep_capped = false;
    // Where the census is partial, and why (a list cut short, a cap, unreadable objects).
    std::vector<std::string> notes;
};

enum class HeapOrder : uint8_t { Bytes, Count };

struct HeapOptions {
    size_t containers = 10;
    HeapOrder order = HeapOrder::Bytes;
    bool deep = false;
    size_t deep_cap = 10'000'000;
    size_t max_objects = 50'000'000;
    // Called with the objects counted so far, every kHeapProgressStep of them (a front-end's
    // progress line on a terminal); empty: no progress.
    std::function<void(uint64_t counted)> progress = {};
};

inline constexpr uint64_t kHeapProgressStep = 1 << 20;

struct HeapCommand {
    size_t top = 20;
    HeapOptions census;
    bool json = false;
    ColorMode color = ColorMode::Auto;
    bool output_is_terminal = false;  // set by the front-end: whether --color=auto colours
};

// `words` are the arguments after the command name; errors name the bad word.
Result<HeapCommand> parse_heap_command(const std::vector<std::string>& words);
Result<std::string> run_heap_command(const Session& session, const HeapCommand& command);

std::string render_heap_text(const HeapReport& report, size_t top, bool color = false);
std::string render_heap_json(const HeapReport& report);

}  // namespace pyxray

#include "heap/interpreter_memory.hpp"

#include <fmt/format.h>

#include <array>
#include <span>
#include <string_view>

#include "pyxray/memory.hpp"

namespace pyxray {
namespace {

// Obmalloc's arena size: 256 KiB until 3.9; 3.10's radix tree (bpo-37448, USE_LARGE_ARENAS)
// made them 1 MiB (Objects/obmalloc.c ARENA_BITS 18 and 20).
constexpr uint64_t kArenaSize38 = uint64_t{1} << 18;
constexpr uint64_t kArenaSize310 = uint64_t{1} << 20;

constexpr uint64_t kMaxArenas = uint64_t{1} << 32;        // 4 PiB of 1 MiB arenas: more is not a count
constexpr int64_t kMaxFreeListLength = int64_t{1} << 24;  // free lists hold at most a few thousand
constexpr int64_t kMaxInterned = int64_t{1} << 40;
constexpr size_t kTupleMaxSaveSize = 20;  // PyTuple_MAXSAVESIZE, 3.8-3.13

// One free list's length: an int static (an array of them for the tuples, one per size).
struct StaticCounter {
    std::string_view name;
    std::string_view symbol;  // "FILE.c:NAME", a static of that file
    size_t first = 0;         // arrays: the first index listed (free 0-tuples are the singleton)
    size_t length = 1;        // 1 for a scalar
};

// 3.8: Objects/floatobject.c, tupleobject.c, listobject.c, dictobject.c, frameobject.c,
// classobject.c, methodobject.c, genobject.c, each `static int numfree` (or its array).
constexpr std::array kFreeLists38 = {
    StaticCounter{"float", "floatobject.c:numfree"},
    StaticCounter{"tuple", "tupleobject.c:numfree", 1, kTupleMaxSaveSize},
    StaticCounter{"list", "listobject.c:numfree"},
    StaticCounter{"dict", "dictobject.c:numfree"},
    StaticCounter{"dict keys", "dictobject.c:numfreekeys"},
    StaticCounter{"frame", "frameobject.c:numfree"},
    StaticCounter{"method", "classobject.c:numfree"},
    StaticCounter{"builtin method", "methodobject.c:numfree"},
    StaticCounter{"async_gen value", "genobject.c:ag_value_freelist_free"},
    StaticCounter{"async_gen asend", "genobject.c:ag_asend_freelist_free"},
};

// 3.9 dropped the method and builtin-method free lists (bpo-37340).
constexpr std::array kFreeLists39 = {
    kFreeLists38[0], kFreeLists38[1], kFreeLists38[2], kFreeLists38[3],
    kFreeLists38[4], kFreeLists38[5], kFreeLists38[8], kFreeLists38[9],
};

constexpr std::string_view kArenasStatic = "obmalloc.c:narenas_currently_allocated";
constexpr std::string_view kInternedStatic = "unicodeobject.c:interned";

// Where one version keeps the three numbers; an empty place carries the reason instead.
struct MemoryPlace {
    std::string_view arenas_static;  // empty: `arenas_reason`
    std::string_view arenas_reason;
    uint64_t arena_size = 0;
    std::span<const StaticCounter> free_lists;  // empty: `free_lists_reason`
    std::string_view free_lists_reason;
    std::string_view interned_static;  // empty: `interned_reason`
    std::string_view interned_reason;
};

MemoryPlace place_for(int minor, bool free_threaded) {
    MemoryPlace place;
    place.arena_size = minor >= 10 ? kArenaSize310 : kArenaSize38;
    if (minor <= 11) {
        place.arenas_static = kArenasStatic;
        place.interned_static = kInternedStatic;
    }
    if (minor == 8) place.free_lists = kFreeLists38;
    if (minor == 9) place.free_lists = kFreeLists39;
    // bpo-40521 moved the free lists into PyInterpreterState (float_state, tuple, list,
    // dict_state), after PyConfig and the states before them, which pyxray does not mirror.
    if (minor == 10 || minor == 11)
        place.free_lists_reason =
            "the free lists are in PyInterpreterState (float_state, tuple, list, dict_state) past PyConfig, "
            "which pyxray does not mirror yet";
    if (minor >= 12) {
        // gh-101660 / PEP 684: obmalloc's state became per interpreter.
        place.arenas_reason =
            "obmalloc's arena count is in the interpreter's obmalloc state "
            "(PyInterpreterState.obmalloc.mgmt), "
            "past PyConfig, which pyxray does not mirror yet";
        place.free_lists_reason =
            minor == 12
                ? "the free lists are in PyInterpreterState (float_state, tuple, list, dict_state) past "
                  "PyConfig, which pyxray does not mirror yet"
                : "the free lists are in PyInterpreterState.object_state.freelists past PyConfig, which "
                  "pyxray does not mirror yet";
        place.interned_reason =
            minor == 12 ? "the interned dict is _PyRuntime.cached_objects.interned_strings, past the "
                          "runtime's static "
                          "objects, which pyxray does not mirror yet"
                        : "the interned dict is PyInterpreterState.cached_objects.interned_strings, past "
                          "PyConfig, which "
                          "pyxray does not mirror yet";
    }
    if (free_threaded) {
        place.arena_size = 0;
        place.arenas_reason = "free-threaded builds allocate with mimalloc: there are no obmalloc arenas";
        place.free_lists_reason =
            "free-threaded builds keep a free list per thread state (_PyThreadStateImpl.freelists), "
            "which pyxray does not mirror yet";
    }
    return place;
}

// The module that holds _PyRuntime, whose statics are the interpreter's.
const ModuleInfo* runtime_module(const std::vector<ModuleInfo>& modules, const RuntimeInfo& runtime) {
    for (const ModuleInfo& module : modules)
        if (module.path == runtime.library) return &module;
    return nullptr;
}

class StaticReader {
public:
    StaticReader(const Target& target, const RuntimeInfo& runtime, std::span<const std::string_view> names)
        : target_(target), library_(runtime.library) {
        auto modules = target.modules();
        if (!modules) {
            why_none_ = fmt::format("the target's modules are unknown ({})", modules.error().message);
            return;
        }
        const ModuleInfo* module = runtime_module(*modules, runtime);
        if (module == nullptr) {
            why_none_ = fmt::format("{} is not among the target's modules", library_);
            return;
        }
        auto symbols = target.module_symbols(*module, names);
        if (!symbols) {
            why_none_ = fmt::format("{}'s symbols are unreadable ({})", library_, symbols.error().message);
            return;
        }
        symbols_ = std::move(*symbols);
    }

    // The static's address, or why there is none.
    Result<uint64_t> address(std::string_view name) const {
        std::string_view file = name.substr(0, name.find(':')), variable = name.substr(name.find(':') + 1);
        if (!symbols_)
            return fail(ErrorCode::Unsupported,
                        fmt::format("`{}` is a static of {}: {}", variable, file, why_none_));
        if (auto found = symbols_->symbol(name)) return *found;
        return fail(ErrorCode::Unsupported,
                    fmt::format("`{}` is a static of {}, and {} has no symbol for it (no .symtab: stripped?)",
                                variable, file, library_));
    }

    template <typename T>
    Result<T> read(std::string_view name, size_t index = 0) const {
        PYXRAY_TRY(where, address(name));
        uint64_t field = where + index * sizeof(T);
        auto value = read_value<T>(target_.memory(), field);
        if (!value)
            return fail(ErrorCode::Unreadable,
                        fmt::format("`{}` at {:#x} is unreadable: {}", name.substr(name.find(':') + 1), field,
                                    value.error().message));
        return value;
    }

private:
    const Target& target_;
    std::string library_;
    std::unique_ptr<ModuleSymbols> symbols_;
    std::string why_none_;
};

std::vector<std::string_view> static_names(const MemoryPlace& place) {
    std::vector<std::string_view> names;
    if (!place.arenas_static.empty()) names.push_back(place.arenas_static);
    if (!place.interned_static.empty()) names.push_back(place.interned_static);
    for (const StaticCounter& counter : place.free_lists) names.push_back(counter.symbol);
    return names;
}

void read_arenas(const StaticReader& statics, const MemoryPlace& place, InterpreterMemory& out) {
    if (place.arenas_static.empty()) {
        out.notes.push_back(fmt::format("arenas: {}", place.arenas_reason));
        return;
    }
    auto arenas = statics.read<uint64_t>(place.arenas_static);
    if (!arenas)
        out.notes.push_back(fmt::format("arenas: {}", arenas.error().message));
    else if (*arenas > kMaxArenas)
        out.notes.push_back(
            fmt::format("arenas: narenas_currently_allocated reads {}, not a count", *arenas));
    else
        out.arenas_in_use = *arenas;
}

void read_free_list(const StaticReader& statics, const StaticCounter& counter, InterpreterMemory& out) {
    for (size_t index = counter.first; index < counter.length; ++index) {
        std::string name =
            counter.length == 1 ? std::string(counter.name) : fmt::format("{}[{}]", counter.name, index);
        auto count = statics.read<int32_t>(counter.symbol, index);
        if (!count) {
            out.notes.push_back(fmt::format("free list {}: {}", name, count.error().message));
            return;  // the rest of an array is as unreadable
        }
        if (*count < 0 || *count > kMaxFreeListLength)
            out.notes.push_back(fmt::format("free list {}: its length reads {}, not a count", name, *count));
        else
            out.free_lists.push_back({std::move(name), static_cast<uint64_t>(*count)});
    }
}

void read_free_lists(const StaticReader& statics, const MemoryPlace& place, InterpreterMemory& out) {
    if (place.free_lists.empty()) {
        out.notes.push_back(fmt::format("free lists: {}", place.free_lists_reason));
        return;
    }
    for (const StaticCounter& counter : place.free_lists) read_free_list(statics, counter, out);
}

void read_interned(const StaticReader& statics, const Memory& memory, const Offsets& offsets,
                   const MemoryPlace& place, InterpreterMemory& out) {
    if (place.interned_static.empty()) {
        out.notes.push_back(fmt::format("interned strings: {}", place.interned_reason));
        return;
    }
    auto dict = statics.read<uint64_t>(place.interned_static);
    if (!dict) {
        out.notes.push_back(fmt::format("interned strings: {}", dict.error().message));
        return;
    }
    if (*dict == 0) {  // nothing interned yet: the first PyUnicode_InternInPlace makes the dict
        out.interned_strings = 0;
        return;
    }
    uint64_t field = *dict + offsets.objects.dict_object.ma_used;
    auto used = read_value<int64_t>(memory, field);
    if (!used)
        out.notes.push_back(
            fmt::format("interned strings: the interned dict's ma_used at {:#x} is unreadable: {}", field,
                        used.error().message));
    else if (*used < 0 || *used > kMaxInterned)
        out.notes.push_back(
            fmt::format("interned strings: the interned dict at {:#x} says ma_used {}", *dict, *used));
    else
        out.interned_strings = static_cast<uint64_t>(*used);
}

}  // namespace

InterpreterMemory interpreter_memory(const Target& target, const Offsets& offsets, const RuntimeInfo& runtime,
                                     uint64_t /*interp: for the 3.10+ fields, once mirrored*/) {
    PythonVersion version = PythonVersion::from_hex(runtime.version_hex);
    MemoryPlace place = place_for(version.minor, runtime.free_threaded);
    InterpreterMemory out;
    if (place.arena_size != 0) out.arena_size = place.arena_size;
    std::vector<std::string_view> names = static_names(place);
    StaticReader statics(target, runtime, names);
    read_arenas(statics, place, out);
    read_free_lists(statics, place, out);
    read_interned(statics, target.memory(), offsets, place, out);
    return out;
}

}  // namespace pyxray

#include "heap/interpreter_memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

#include "layout/interpreter_memory_offsets.hpp"
#include "pyxray/memory.hpp"
#include "symbols/build_id.hpp"
#include "symbols/file_module_symbols.hpp"

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

// One free list's length: an int (an array of them for the tuples, one per size).
struct CounterSpec {
    std::string_view name;
    std::string_view symbol;  // 3.8-3.9: "FILE.c:NAME", a static of that file
    size_t first = 0;         // arrays: the first index listed
    size_t length = 1;        // 1 for a scalar
    size_t size_offset = 0;   // arrays: the tuple size of index i is i + size_offset
};

// 3.8: Objects/floatobject.c, tupleobject.c, listobject.c, dictobject.c, frameobject.c,
// classobject.c, methodobject.c, genobject.c, each `static int numfree` (or its array). Free
// 0-tuples are the empty-tuple singleton: sizes 1 to 19 are listed, as _debugmallocstats does.
constexpr std::array kFreeLists38 = {
    CounterSpec{"float", "floatobject.c:numfree"},
    CounterSpec{"tuple", "tupleobject.c:numfree", 1, kTupleMaxSaveSize},
    CounterSpec{"list", "listobject.c:numfree"},
    CounterSpec{"dict", "dictobject.c:numfree"},
    CounterSpec{"dict keys", "dictobject.c:numfreekeys"},
    CounterSpec{"frame", "frameobject.c:numfree"},
    CounterSpec{"method", "classobject.c:numfree"},
    CounterSpec{"builtin method", "methodobject.c:numfree"},
    CounterSpec{"async_gen value", "genobject.c:ag_value_freelist_free"},
    CounterSpec{"async_gen asend", "genobject.c:ag_asend_freelist_free"},
};

// 3.9 dropped the method and builtin-method free lists (bpo-37340).
constexpr std::array kFreeLists39 = {
    kFreeLists38[0], kFreeLists38[1], kFreeLists38[2], kFreeLists38[3],
    kFreeLists38[4], kFreeLists38[5], kFreeLists38[8], kFreeLists38[9],
};

constexpr std::string_view kArenasStatic = "obmalloc.c:narenas_currently_allocated";
constexpr std::string_view kInternedStatic = "unicodeobject.c:interned";

constexpr std::string_view kInterned313 =
    "the interned dict is PyInterpreterState.cached_objects.interned_strings past PyConfig, which pyxray "
    "does not "
    "mirror yet";

// Where a number is in the target: an address, or why pyxray cannot tell.
using Place = Result<uint64_t>;

Place nowhere(std::string_view why) { return fail(ErrorCode::Unsupported, std::string(why)); }

struct FreeListPlace {
    CounterSpec spec;
    Place counts;  // the int (or the array's first int)
};

struct Places {
    std::optional<uint64_t> arena_size;
    Place arenas = nowhere("");
    std::vector<FreeListPlace> free_lists;
    std::string free_lists_missing;  // why there are none, when there are none
    Place interned = nowhere("");    // the PyObject* of the interned dict
};

// The module that holds _PyRuntime, whose statics are the interpreter's.
const ModuleInfo* runtime_module(const std::vector<ModuleInfo>& modules, const RuntimeInfo& runtime) {
    for (const ModuleInfo& module : modules)
        if (module.path == runtime.library) return &module;
    return nullptr;
}

class StaticReader {
public:
    StaticReader(const Target& target, const RuntimeInfo& runtime, std::span<const std::string_view> names)
        : library_(runtime.library) {
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
        auto missing = [&](std::string_view name) { return !symbols_->symbol(name); };
        if (std::any_of(names.begin(), names.end(), missing)) open_debug_file(*module, names);
    }

    // The static's address, or why there is none.
    Result<uint64_t> address(std::string_view name) const {
        std::string_view file = name.substr(0, name.find(':')), variable = name.substr(name.find(':') + 1);
        if (!symbols_)
            return fail(ErrorCode::Unsupported,
                        fmt::format("`{}` is a static of {}: {}", variable, file, why_none_));
        if (auto found = symbols_->symbol(name)) return *found;
        if (debug_symbols_)
            if (auto found = debug_symbols_->symbol(name)) return *found;
        return fail(ErrorCode::Unsupported,
                    fmt::format("`{}` is a static of {}, and {} has no symbol for it{}", variable, file,
                                library_, debug_file_note_));
    }

private:
    // A stripped module's statics are in its separate debug file, when one is installed.
    void open_debug_file(const ModuleInfo& module, std::span<const std::string_view> names) {
        std::optional<std::string> build_id =
            module.build_id.empty() ? build_id_of_file(module.file_to_read()) : module.build_id;
        if (!build_id) {
            debug_file_note_ = " (no .symtab: stripped?), and no build-id to find its debug file by";
            return;
        }
        std::string path = build_id_debug_path(*build_id);
        auto debug = ElfSymbols::open(path, names);
        if (!debug) {
            debug_file_note_ =
                fmt::format(" (no .symtab: stripped?), and no debug file {} (a -dbg package?)", path);
            return;
        }
        debug_symbols_ = loaded_at(std::move(*debug), module.base);
        debug_file_note_ = fmt::format(", nor has its debug file {}", path);
    }

    std::unique_ptr<ModuleSymbols> debug_symbols_;
    std::string debug_file_note_ = " (no .symtab: stripped?)";
    std::string library_;
    std::unique_ptr<ModuleSymbols> symbols_;
    std::string why_none_;
};

// 3.10-3.13: the free lists in PyInterpreterState (bpo-40521). numfree[i] counts i-tuples in
// 3.10, (i + 1)-tuples since 3.11 made the empty tuple a static singleton.
void add_interpreter_free_lists(const InterpreterMemoryOffsets& at, uint64_t interp, Places& places) {
    auto in_interp = [&](CounterSpec spec, uint64_t offset) {
        places.free_lists.push_back({spec, Place(interp + offset)});
    };
    in_interp({"float", {}}, *at.float_numfree);
    if (at.frame_numfree)
        in_interp({"tuple", {}, 1, kTupleMaxSaveSize, 0}, *at.tuple_numfree);
    else
        in_interp({"tuple", {}, 0, kTupleMaxSaveSize, 1}, *at.tuple_numfree);
    in_interp({"list", {}}, *at.list_numfree);
    in_interp({"dict", {}}, *at.dict_numfree);
    in_interp({"dict keys", {}}, *at.dict_keys_numfree);
    if (at.frame_numfree) in_interp({"frame", {}}, *at.frame_numfree);
}

Places statics_places(const Target& target, const RuntimeInfo& runtime, int minor, uint64_t interp) {
    std::span<const CounterSpec> lists;
    if (minor == 8) lists = kFreeLists38;
    if (minor == 9) lists = kFreeLists39;
    std::vector<std::string_view> names = {kArenasStatic, kInternedStatic};
    for (const CounterSpec& spec : lists) names.push_back(spec.symbol);
    StaticReader statics(target, runtime, names);
    Places places;
    places.arena_size = minor >= 10 ? kArenaSize310 : kArenaSize38;
    places.arenas = statics.address(kArenasStatic);
    places.interned = statics.address(kInternedStatic);
    for (const CounterSpec& spec : lists) places.free_lists.push_back({spec, statics.address(spec.symbol)});
    if (!lists.empty() && !places.free_lists.front().counts) {  // no symbols: one note, not ten
        places.free_lists_missing =
            places.free_lists.front().counts.error().message + " (nor for the others)";
        places.free_lists.clear();
    }
    // bpo-40521 moved the free lists into PyInterpreterState (float_state, tuple, list, dict_state).
    InterpreterMemoryOffsets at = interpreter_memory_offsets(minor, false, runtime.debug_build);
    if (lists.empty() && at.float_numfree) add_interpreter_free_lists(at, interp, places);
    if (lists.empty() && places.free_lists.empty())
        places.free_lists_missing = fmt::format(
            "they are in PyInterpreterState (float_state, tuple, list, dict_state) past PyConfig, "
            "which pyxray does not mirror for {}{} yet",
            PythonVersion::from_hex(runtime.version_hex).str(), runtime.debug_build ? " debug builds" : "");
    return places;
}

// 3.12: obmalloc's state and the free lists in PyInterpreterState (gh-101660, PEP 684).
Places places_312(const InterpreterMemoryOffsets& at, uint64_t interp) {
    Places places;
    places.arena_size = kArenaSize310;
    places.arenas = interp + *at.narenas;
    add_interpreter_free_lists(at, interp, places);
    // The static strings are in _PyRuntime.cached_objects' hashtable, the others in this dict.
    places.interned = nowhere(
        "the interned dict is PyInterpreterState.cached_objects.interned_strings, past the AST state, which "
        "pyxray does not mirror yet");
    return places;
}

// 3.13: PyInterpreterState.obmalloc points at the interpreter's obmalloc state (the main
// interpreter's is a static of obmalloc.c), the free lists are object_state.freelists.
Places places_313(const Memory& memory, const InterpreterMemoryOffsets& at, uint64_t interp) {
    Places places;
    places.arena_size = kArenaSize310;
    uint64_t field = interp + *at.obmalloc;
    auto state = read_pointer(memory, field);
    if (!state)
        places.arenas =
            fail(ErrorCode::Unreadable, fmt::format("PyInterpreterState.obmalloc at {:#x} is unreadable: {}",
                                                    field, state.error().message));
    else if (*state == 0)
        places.arenas =
            nowhere("PyInterpreterState.obmalloc is NULL (an interpreter being made or torn down)");
    else
        places.arenas = *state + *at.obmalloc_narenas;
    add_interpreter_free_lists(at, interp, places);
    places.interned = nowhere(kInterned313);
    return places;
}

Places places_for(const Target& target, const RuntimeInfo& runtime, uint64_t interp) {
    PythonVersion version = PythonVersion::from_hex(runtime.version_hex);
    if (runtime.free_threaded) {
        Places places;
        places.arenas = nowhere("free-threaded builds allocate with mimalloc: there are no obmalloc arenas");
        places.free_lists_missing =
            "free-threaded builds keep them per thread state (_PyThreadStateImpl.freelists), which pyxray "
            "does "
            "not mirror yet";
        places.interned = nowhere(kInterned313);
        return places;
    }
    if (version.minor <= 11) return statics_places(target, runtime, version.minor, interp);
    InterpreterMemoryOffsets at = interpreter_memory_offsets(version.minor, false, runtime.debug_build);
    if (version.minor == 12 && at.narenas) return places_312(at, interp);
    if (version.minor == 13 && at.obmalloc) return places_313(target.memory(), at, interp);
    Places places;
    places.arenas = nowhere(fmt::format("pyxray does not mirror CPython {}{}'s obmalloc state", version.str(),
                                        runtime.debug_build ? " (debug build)" : ""));
    places.free_lists_missing = fmt::format("pyxray does not mirror CPython {}{}'s free lists", version.str(),
                                            runtime.debug_build ? " (debug build)" : "");
    places.interned = nowhere(fmt::format("pyxray does not mirror where CPython {}{} keeps them",
                                          version.str(), runtime.debug_build ? " (debug build)" : ""));
    return places;
}

void read_arenas(const Memory& memory, const Place& place, InterpreterMemory& out) {
    if (!place) {
        out.notes.push_back(fmt::format("arenas: {}", place.error().message));
        return;
    }
    auto arenas = read_value<uint64_t>(memory, *place);
    if (!arenas)
        out.notes.push_back(fmt::format("arenas: narenas_currently_allocated at {:#x} is unreadable: {}",
                                        *place, arenas.error().message));
    else if (*arenas > kMaxArenas)
        out.notes.push_back(
            fmt::format("arenas: narenas_currently_allocated reads {}, not a count", *arenas));
    else
        out.arenas_in_use = *arenas;
}

void read_free_list(const Memory& memory, const FreeListPlace& list, InterpreterMemory& out) {
    const CounterSpec& spec = list.spec;
    for (size_t index = spec.first; index < spec.length; ++index) {
        std::string name = spec.length == 1 ? std::string(spec.name)
                                            : fmt::format("{}[{}]", spec.name, index + spec.size_offset);
        if (!list.counts) {
            out.notes.push_back(fmt::format("free list {}: {}", spec.name, list.counts.error().message));
            return;
        }
        uint64_t field = *list.counts + index * sizeof(int32_t);
        auto count = read_value<int32_t>(memory, field);
        if (!count) {  // the rest of an array is as unreadable
            out.notes.push_back(fmt::format("free list {}: its length at {:#x} is unreadable: {}", name,
                                            field, count.error().message));
            return;
        }
        if (*count < 0 || *count > kMaxFreeListLength)
            out.notes.push_back(fmt::format("free list {}: its length reads {}, not a count", name, *count));
        else
            out.free_lists.push_back({std::move(name), static_cast<uint64_t>(*count)});
    }
}

void read_interned(const Memory& memory, const Offsets& offsets, const Place& place, InterpreterMemory& out) {
    if (!place) {
        out.notes.push_back(fmt::format("interned strings: {}", place.error().message));
        return;
    }
    auto dict = read_pointer(memory, *place);
    if (!dict) {
        out.notes.push_back(
            fmt::format("interned strings: the interned dict's pointer at {:#x} is unreadable: {}", *place,
                        dict.error().message));
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
                                     uint64_t interp) {
    Places places = places_for(target, runtime, interp);
    InterpreterMemory out;
    out.arena_size = places.arena_size;
    read_arenas(target.memory(), places.arenas, out);
    if (places.free_lists.empty())
        out.notes.push_back(fmt::format("free lists: {}", places.free_lists_missing));
    for (const FreeListPlace& list : places.free_lists) read_free_list(target.memory(), list, out);
    read_interned(target.memory(), offsets, places.interned, out);
    return out;
}

}  // namespace pyxray

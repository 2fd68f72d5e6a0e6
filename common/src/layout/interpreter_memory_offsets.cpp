#include "layout/interpreter_memory_offsets.hpp"

#include <cstddef>

#include "layout/interpreter_memory_mirrors.hpp"

namespace pyxray {
namespace {

using mirror::InterpreterState310;
using mirror::InterpreterState311;
using mirror::InterpreterState312;
using mirror::InterpreterState313;
using mirror::ObmallocState;

// 3.10: the free lists in PyInterpreterState (bpo-40521); obmalloc is still static.
constexpr InterpreterMemoryOffsets offsets_310() {
    InterpreterMemoryOffsets o;
    o.float_numfree = offsetof(InterpreterState310, float_state.numfree);
    o.tuple_numfree = offsetof(InterpreterState310, tuple.numfree);
    o.list_numfree = offsetof(InterpreterState310, list.numfree);
    o.dict_numfree = offsetof(InterpreterState310, dict_state.numfree);
    o.dict_keys_numfree = offsetof(InterpreterState310, dict_state.keys_numfree);
    o.frame_numfree = offsetof(InterpreterState310, frame.numfree);
    return o;
}

// 3.11: the same, with the frame free list gone (frames live in the thread's data stack).
constexpr InterpreterMemoryOffsets offsets_311() {
    InterpreterMemoryOffsets o;
    o.float_numfree = offsetof(InterpreterState311, float_state.numfree);
    o.tuple_numfree = offsetof(InterpreterState311, tuple.numfree);
    o.list_numfree = offsetof(InterpreterState311, list.numfree);
    o.dict_numfree = offsetof(InterpreterState311, dict_state.numfree);
    o.dict_keys_numfree = offsetof(InterpreterState311, dict_state.keys_numfree);
    return o;
}

constexpr InterpreterMemoryOffsets offsets_312() {
    InterpreterMemoryOffsets o;
    o.narenas = offsetof(InterpreterState312, obmalloc.mgmt.narenas_currently_allocated);
    o.obmalloc_narenas = offsetof(ObmallocState, mgmt.narenas_currently_allocated);
    o.float_numfree = offsetof(InterpreterState312, float_state.numfree);
    o.tuple_numfree = offsetof(InterpreterState312, tuple.numfree);
    o.list_numfree = offsetof(InterpreterState312, list.numfree);
    o.dict_numfree = offsetof(InterpreterState312, dict_state.numfree);
    o.dict_keys_numfree = offsetof(InterpreterState312, dict_state.keys_numfree);
    return o;
}

// 3.13: PyInterpreterState.obmalloc became a pointer (the main interpreter's state is
// obmalloc.c's static obmalloc_state_main), the free lists object_state.freelists (gh-111968).
constexpr InterpreterMemoryOffsets offsets_313() {
    InterpreterMemoryOffsets o;
    o.obmalloc = offsetof(InterpreterState313, obmalloc);
    o.obmalloc_narenas = offsetof(ObmallocState, mgmt.narenas_currently_allocated);
    o.float_numfree = offsetof(InterpreterState313, object_state.freelists.floats.numfree);
    o.tuple_numfree = offsetof(InterpreterState313, object_state.freelists.tuples.numfree);
    o.list_numfree = offsetof(InterpreterState313, object_state.freelists.lists.numfree);
    o.dict_numfree = offsetof(InterpreterState313, object_state.freelists.dicts.numfree);
    o.dict_keys_numfree = offsetof(InterpreterState313, object_state.freelists.dictkeys.numfree);
    return o;
}

}  // namespace

InterpreterMemoryOffsets interpreter_memory_offsets(int minor, bool free_threaded, bool debug_build) {
    if (free_threaded || debug_build) return {};
    if (minor == 10) return offsets_310();
    if (minor == 11) return offsets_311();
    if (minor == 12) return offsets_312();
    if (minor == 13) return offsets_313();
    return {};
}

}  // namespace pyxray

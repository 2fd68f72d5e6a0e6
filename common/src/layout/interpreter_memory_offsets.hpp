// Where the interpreter's own memory counters are (heap/interpreter_memory.cpp), for the versions
// that keep them in PyInterpreterState or _PyRuntime rather than in libpython's statics; built with
// offsetof over layout/interpreter_memory_mirrors.hpp. Empty fields: not mirrored for that version.
#pragma once

#include <cstdint>
#include <optional>

namespace pyxray {

struct InterpreterMemoryOffsets {
    // In PyInterpreterState (3.12: obmalloc's state is inline, per interpreter, gh-101660).
    std::optional<uint64_t> narenas;
    // 3.13: PyInterpreterState.obmalloc, the pointer to the interpreter's _obmalloc_state.
    std::optional<uint64_t> obmalloc;
    // In struct _obmalloc_state (3.12-3.13).
    std::optional<uint64_t> obmalloc_narenas;
    // In PyInterpreterState: the free lists' int lengths (tuple: an array, one per size).
    std::optional<uint64_t> float_numfree, tuple_numfree, list_numfree, dict_numfree, dict_keys_numfree;
    std::optional<uint64_t> frame_numfree;  // 3.10 (3.11's frames are not objects)
};

// The table for a release build of 3.<minor>; debug builds (other object and state layouts)
// and free-threaded builds get an empty one.
InterpreterMemoryOffsets interpreter_memory_offsets(int minor, bool free_threaded, bool debug_build);

}  // namespace pyxray

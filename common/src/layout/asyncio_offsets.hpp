// Where asyncio's C Future and Task keep what py-tasks reads, per CPython version and build
// kind, from the mirrors in asyncio_mirrors.hpp. 3.14+ targets also describe their TaskObj in an
// `.AsyncioDebug` section; where both exist, the target's own description wins.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

// How a suspended coroutine is read: its qualname, its frame, and what its `await` is on
// (CPython's _PyGen_yf, done from memory): the top of the frame's value stack.
struct CoroutineOffsets {
    uint64_t gi_qualname = 0;
    std::optional<uint64_t> gi_frame;        // 3.8-3.10: PyFrameObject*
    std::optional<uint64_t> gi_iframe;       // 3.11+: the embedded _PyInterpreterFrame
    std::optional<uint64_t> gi_frame_state;  // 3.11+: int8_t
    int8_t suspended = -1;                   // gi_frame_state (3.11+) / f_state (3.10) of an await
    // The frame's value stack. 3.8-3.9: f_valuestack and f_stacktop (pointers, stacktop NULL
    // while running); 3.10: f_valuestack and the int f_stackdepth (+ f_state); 3.11-3.13:
    // the int index stacktop into localsplus (Offsets::frame_variables.localsplus).
    uint64_t valuestack = 0;
    std::optional<uint64_t> stacktop_pointer, stackdepth, frame_state, stacktop_index;
    // 3.14+: _PyInterpreterFrame.stackpointer, a pointer one past the top _PyStackRef.
    std::optional<uint64_t> stackpointer;
    // 3.11+: the gi_frame_state values of a coroutine that still has its frame (created,
    // suspended, executing). 3.15 renumbered them all, so they are listed, never compared with 0.
    std::vector<int8_t> frame_states;
    // 3.15 free-threaded: FRAME_SUSPENDED_YIELD_FROM_LOCKED, an await being resumed.
    std::optional<int8_t> suspended_locked;
    // 3.15: an await leaves a NULL _PyStackRef above the awaited object (_SEND_GEN_FRAME).
    bool null_above_awaited = false;
};

struct AsyncioOffsets {
    uint64_t future_size = 0;  // sizeof(FutureObj): a Python subclass's own fields come after it
    uint64_t task_size = 0;
    uint64_t fut_loop = 0, fut_callback0 = 0, fut_callbacks = 0, fut_result = 0, fut_state = 0;
    uint64_t task_fut_waiter = 0, task_coro = 0, task_name = 0;
    std::optional<uint64_t> fut_awaited_by, fut_is_task, fut_awaited_by_is_set;  // 3.14+
    std::optional<uint64_t> task_node;  // 3.14+: the thread's list of pending tasks
    uint64_t future_iter_future = 0;    // FutureIter.future
    CoroutineOffsets coroutine;
};

// The object header's size (PyObject_HEAD, 32 bytes in free-threaded builds): where the fields
// of a Future, a weakref or a list node that follow it start.
inline uint64_t object_header_size(const Offsets& offsets) { return offsets.pyobject.ob_type + 8; }

// fut_state's values, every version.
enum class FutureState : int { Pending = 0, Cancelled = 1, Finished = 2 };

Result<AsyncioOffsets> asyncio_offsets_for(const PythonVersion& version, BuildKind kind);

}  // namespace pyxray

#include "layout/asyncio_offsets.hpp"

#include <fmt/format.h>

#include <cstddef>

#include "layout/asyncio_mirrors.hpp"

namespace pyxray {
namespace {

template <template <class> class Future, template <class> class Task, class Head>
constexpr AsyncioOffsets from_mirrors() {
    using F = Future<Head>;
    using T = Task<Head>;
    AsyncioOffsets o{};
    o.future_size = sizeof(F);
    o.task_size = sizeof(T);
    o.fut_loop = offsetof(T, fut_loop);
    o.fut_callback0 = offsetof(T, fut_callback0);
    o.fut_callbacks = offsetof(T, fut_callbacks);
    o.fut_result = offsetof(T, fut_result);
    o.fut_state = offsetof(T, fut_state);
    o.task_fut_waiter = offsetof(T, task_fut_waiter);
    o.task_coro = offsetof(T, task_coro);
    o.task_name = offsetof(T, task_name);
    if constexpr (requires { &T::fut_awaited_by; }) {
        o.fut_awaited_by = offsetof(T, fut_awaited_by);
        o.fut_is_task = offsetof(T, fut_is_task);
        o.fut_awaited_by_is_set = offsetof(T, fut_awaited_by_is_set);
        o.task_node = offsetof(T, task_node);
    }
    o.future_iter_future = offsetof(mirror::asyncio::FutureIter<Head>, future);
    return o;
}

// enum _framestate (pycore_frame.h): 3.11-3.12 CREATED -2, SUSPENDED -1, EXECUTING 0; 3.13
// and 3.14 CREATED -3, SUSPENDED -2, SUSPENDED_YIELD_FROM -1, EXECUTING 0; 3.15 renumbered
// CREATED 0, SUSPENDED 1, SUSPENDED_YIELD_FROM 2, SUSPENDED_YIELD_FROM_LOCKED 3, EXECUTING 4.
void set_frame_states(int minor, CoroutineOffsets& o) {
    if (minor <= 10) return;  // the frame object's f_state, read as `suspended` only
    if (minor <= 12) {
        o.frame_states = {-2, -1, 0};
    } else if (minor <= 14) {
        o.frame_states = {-3, -2, -1, 0};
    } else {
        o.frame_states = {0, 1, 2, 3, 4};
        o.suspended = 2;
        o.suspended_locked = 3;
        o.null_above_awaited = true;
    }
}

template <class Head>
CoroutineOffsets coroutine_offsets(int minor) {
    using namespace mirror::asyncio;
    CoroutineOffsets o;
    if (minor <= 9) {
        o.gi_qualname = offsetof(Gen38<Head>, gi_qualname);
        o.gi_frame = offsetof(Gen38<Head>, gi_frame);
        o.valuestack = offsetof(FrameObject38, f_valuestack);
        o.stacktop_pointer = offsetof(FrameObject38, f_stacktop);
    } else if (minor == 10) {
        o.gi_qualname = offsetof(Gen310<Head>, gi_qualname);
        o.gi_frame = offsetof(Gen310<Head>, gi_frame);
        o.valuestack = offsetof(FrameObject310, f_valuestack);
        o.stackdepth = offsetof(FrameObject310, f_stackdepth);
        o.frame_state = offsetof(FrameObject310, f_state);
    } else if (minor == 11) {
        o.gi_qualname = offsetof(Gen311<Head>, gi_qualname);
        o.gi_iframe = offsetof(Gen311<Head>, gi_iframe);
        o.gi_frame_state = offsetof(Gen311<Head>, gi_frame_state);
        o.stacktop_index = offsetof(InterpreterFrame311, stacktop);
    } else if (minor <= 13) {
        o.gi_qualname = offsetof(Gen312<Head>, gi_qualname);
        o.gi_iframe = offsetof(Gen312<Head>, gi_iframe);
        o.gi_frame_state = offsetof(Gen312<Head>, gi_frame_state);
        o.stacktop_index = offsetof(InterpreterFrame312, stacktop);
    } else {  // 3.14+: the fallback when the target's _Py_DebugOffsets does not say
        o.gi_qualname = offsetof(Gen312<Head>, gi_qualname);
        o.gi_iframe = offsetof(Gen312<Head>, gi_iframe);
        o.gi_frame_state = offsetof(Gen312<Head>, gi_frame_state);
        o.stackpointer = offsetof(InterpreterFrame314, stackpointer);
    }
    set_frame_states(minor, o);
    return o;
}

template <class Head>
std::optional<AsyncioOffsets> for_minor(int minor) {
    using namespace mirror::asyncio;
    switch (minor) {
        case 8:
            return from_mirrors<Future38, Task38, Head>();
        case 9:
            return from_mirrors<Future39, Task39, Head>();
        case 10:
            return from_mirrors<Future310, Task310, Head>();
        case 11:
        case 12:
            return from_mirrors<Future311, Task311, Head>();
        case 13:
            return from_mirrors<Future313, Task313, Head>();
        case 14:
        case 15:
            return from_mirrors<Future314, Task314, Head>();
        default:
            return std::nullopt;
    }
}

}  // namespace

Result<AsyncioOffsets> asyncio_offsets_for(const PythonVersion& version, BuildKind kind) {
    auto found =
        version.major != 3 ? std::nullopt
        : kind == BuildKind::FreeThreaded
            ? (version.minor >= 13 ? for_minor<mirror::FreeThreadedObjectHead>(version.minor) : std::nullopt)
            : for_minor<mirror::ObjectHead>(version.minor);
    if (found)
        found->coroutine = kind == BuildKind::FreeThreaded
                               ? coroutine_offsets<mirror::FreeThreadedObjectHead>(version.minor)
                               : coroutine_offsets<mirror::ObjectHead>(version.minor);
    if (!found)
        return fail(ErrorCode::Unsupported,
                    fmt::format("no asyncio layout for CPython {}{}", version.str(),
                                kind == BuildKind::FreeThreaded ? " (free-threaded)" : ""));
    return *found;
}

}  // namespace pyxray

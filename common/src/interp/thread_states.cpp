#include "interp/thread_states.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include "interp/frame_walker.hpp"
#include "interp/legacy_frames.hpp"

namespace pyxray {
namespace {

// 3.13 dropped _PyCFrame: the thread state points at its newest frame itself.
bool has_direct_current_frame(const Offsets& offsets) {
    return offsets.thread_state.current_frame.has_value();
}

Result<uint64_t> newest_frame(const Memory& memory, const Offsets& offsets, uint64_t tstate) {
    if (has_direct_current_frame(offsets))
        return read_pointer(memory, tstate + *offsets.thread_state.current_frame);
    if (!offsets.thread_state.cframe)
        return fail(ErrorCode::Internal, "layout table has neither current_frame nor cframe", tstate);
    PYXRAY_TRY(cframe, read_pointer(memory, tstate + *offsets.thread_state.cframe));
    if (cframe == 0) return uint64_t{0};
    return read_pointer(memory, cframe + offsets.cframe.current_frame);
}

// Far more than a PyThreadState of any version: its root _PyCFrame lies inside it.
constexpr uint64_t kThreadStateSpan = 4096;

// 3.10-3.12 without a shim frame found: the _PyCFrame tstate->cframe points at is a local of
// the innermost eval-loop call, on its OS thread's stack, unless it is the state's own root
// one (no Python code running). 0 when there is none.
uint64_t cframe_on_stack(const Memory& memory, const Offsets& offsets, uint64_t tstate) {
    if (!offsets.thread_state.cframe) return 0;
    uint64_t cframe = read_pointer(memory, tstate + *offsets.thread_state.cframe).value_or(0);
    bool in_the_state = cframe >= tstate && cframe - tstate < kThreadStateSpan;
    return in_the_state ? 0 : cframe;
}

Result<PyThread> read_thread_frames(const Memory& memory, const Offsets& offsets, uint64_t tstate,
                                    int64_t interpreter_id, CodeCache& codes, bool with_frames) {
    if (has_frame_object_chain(offsets))
        return read_legacy_thread(memory, offsets, tstate, interpreter_id, codes, with_frames);
    PyThread thread;
    thread.tstate = tstate;
    thread.interpreter_id = interpreter_id;
    PYXRAY_TRY(native_id, read_value<uint64_t>(memory, tstate + offsets.thread_state.native_thread_id));
    PYXRAY_TRY(thread_id, read_value<uint64_t>(memory, tstate + offsets.thread_state.thread_id));
    thread.native_thread_id = native_id;
    thread.thread_id = thread_id;
    if (!with_frames) return thread;
    auto frame = newest_frame(memory, offsets, tstate);
    if (!frame)
        thread.truncated = fmt::format("unreadable frame pointer in thread state {:#x}", tstate);
    else
        FrameWalker(memory, offsets, codes).walk(*frame, thread);
    return thread;
}

Result<PyThread> read_thread(const Memory& memory, const Offsets& offsets, uint64_t tstate,
                             int64_t interpreter_id, CodeCache& codes, bool with_frames) {
    PYXRAY_TRY(thread, read_thread_frames(memory, offsets, tstate, interpreter_id, codes, with_frames));
    if (thread.innermost_shim == 0 && !thread.frames.empty())
        thread.innermost_shim = cframe_on_stack(memory, offsets, tstate);
    return thread;
}

void read_interpreter_threads(const Memory& memory, const Offsets& offsets, uint64_t interp, CodeCache& codes,
                              bool with_frames, ThreadStateWalk& out) {
    int64_t id = read_value<int64_t>(memory, interp + offsets.interpreter_state.id).value_or(-1);
    auto head = read_pointer(memory, interp + offsets.interpreter_state.threads_head);
    if (!head) {
        out.notes.push_back(
            fmt::format("interpreter {}: its thread list is unreadable ({}): its threads not read", id,
                        head.error().message));
        return;
    }
    std::unordered_set<uint64_t> visited;
    for (uint64_t tstate = *head; tstate != 0;) {
        if (visited.size() == kMaxThreadStates) {
            out.notes.push_back(fmt::format("interpreter {}: stopped after {} thread states (the cap)", id,
                                            kMaxThreadStates));
            return;
        }
        if (!visited.insert(tstate).second) {
            out.notes.push_back(
                fmt::format("interpreter {}: its thread list loops back to {:#x}", id, tstate));
            return;
        }
        auto thread = read_thread(memory, offsets, tstate, id, codes, with_frames);
        if (!thread) {
            out.notes.push_back(
                fmt::format("interpreter {}: thread state {:#x} is unreadable ({}): it and the "
                            "thread states after it not read",
                            id, tstate, thread.error().message));
            return;
        }
        for (auto& frame : thread->frames) frame.interpreter_id = id;
        out.threads.push_back(std::move(*thread));
        auto next = read_pointer(memory, tstate + offsets.thread_state.next);
        if (!next) {
            out.notes.push_back(
                fmt::format("interpreter {}: the thread state after {:#x} is unreadable: later "
                            "thread states not read",
                            id, tstate));
            return;
        }
        tstate = *next;
    }
}

}  // namespace

Result<ThreadStateWalk> read_thread_states(const Memory& memory, const Offsets& offsets, uint64_t runtime,
                                           CodeCache& codes, bool with_frames) {
    PYXRAY_TRY(head, read_pointer(memory, runtime + offsets.runtime_state.interpreters_head));
    if (head == 0)
        return fail(ErrorCode::NotPython,
                    fmt::format("the CPython runtime at {:#x} has no interpreter (not yet initialised, "
                                "or already finalised)",
                                runtime),
                    runtime);
    PYXRAY_TRY(list, read_interpreters(memory, offsets, runtime));
    ThreadStateWalk walk;
    for (uint64_t interp : list.interpreters)
        read_interpreter_threads(memory, offsets, interp, codes, with_frames, walk);
    walk.notes.insert(walk.notes.end(), list.notes.begin(), list.notes.end());
    return walk;
}

}  // namespace pyxray

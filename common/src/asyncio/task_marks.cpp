#include "asyncio/task_marks.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pyxray {

std::vector<size_t> python_frames_in_task(const ThreadStack& thread, uint64_t coroutine_frame) {
    std::vector<size_t> indexes;
    if (coroutine_frame == 0) return {};
    for (size_t i = 0; i < thread.frames.size(); ++i) {
        if (thread.frames[i].kind != StackFrame::Kind::Python) continue;
        indexes.push_back(i);
        if (thread.frames[i].python.frame_address == coroutine_frame) return indexes;
    }
    return {};
}

namespace {

struct Span {
    const RunningTask* task;
    ThreadStack* thread;
    std::vector<size_t> frames;
};

ThreadStack* thread_of(Snapshot& snapshot, int64_t tid) {
    for (ThreadStack& thread : snapshot.threads)
        if (thread.tid == tid) return &thread;
    return nullptr;
}

}  // namespace

void mark_running_tasks(Snapshot& snapshot, const std::vector<RunningTask>& tasks) {
    std::vector<Span> spans;
    for (const RunningTask& task : tasks) {
        ThreadStack* thread = task.thread ? thread_of(snapshot, *task.thread) : nullptr;
        if (!thread) continue;  // its loop's thread is not in this snapshot (py-xbt without -a)
        auto frames = python_frames_in_task(*thread, task.coroutine_frame);
        if (frames.empty())
            thread->notes.push_back(fmt::format(
                "asyncio task \"{}\" ({:#x}) is its event loop's current task, but its coroutine's frame "
                "is not on this thread's stack: its frames are not marked",
                task.name, task.address));
        else
            spans.push_back({&task, thread, std::move(frames)});
    }
    // Outer spans first: a task running inside another's frames overwrites the outer mark.
    std::sort(spans.begin(), spans.end(),
              [](const Span& a, const Span& b) { return a.frames.size() > b.frames.size(); });
    for (const Span& span : spans)
        for (size_t index : span.frames)
            span.thread->frames[index].python.task = TaskMark{span.task->name, span.task->address};
}

void add_task_marks(const Memory& memory, const Offsets& offsets, Snapshot& snapshot,
                    const AsyncioDebugLocator& locate_section) {
    auto tasks = current_tasks(memory, offsets, snapshot, locate_section);
    if (tasks) mark_running_tasks(snapshot, *tasks);
}

}  // namespace pyxray

// py-xbt's task marks (issue 19): the Python frames a running asyncio task runs, named after it,
// so that a running task's stack is tied to its place in py-tasks' tree.
#pragma once

#include <cstdint>
#include <vector>

#include "asyncio/task_registry.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

// Indexes in thread.frames of its Python frames, innermost first, down to and with the one at
// `coroutine_frame`; empty when that frame is not on the thread's stack.
std::vector<size_t> python_frames_in_task(const ThreadStack& thread, uint64_t coroutine_frame);

// Each task's mark on its frames, on its loop's thread; a task nested in another's frames
// (a loop run inside a task) keeps its own. A task whose coroutine frame is not on that
// thread's stack leaves a note there instead.
void mark_running_tasks(Snapshot& snapshot, const std::vector<RunningTask>& tasks);

// current_tasks, then mark_running_tasks; frames stay unmarked when the tasks cannot be read.
void add_task_marks(const Memory& memory, const Offsets& offsets, Snapshot& snapshot,
                    const AsyncioDebugLocator& locate_section = {});

}  // namespace pyxray

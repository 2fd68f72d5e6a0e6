// asyncio's tasks read from memory (CPython 3.8+): the registries asyncio.tasks keeps (3.14+:
// the per-thread task lists, task_lists_314.hpp), each task's state, loop, name and coroutine
// chain, and the await graph between them.
#pragma once

#include <functional>

#include "asyncio/task_lists_314.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"
#include "pyxray/tasks.hpp"

namespace pyxray {

// Registries bigger than this are cut, with a note: far beyond any real service.
inline constexpr size_t kMaxTasks = 1 << 20;
// Coroutines awaiting coroutines: deeper chains are cut, with a note on the task.
inline constexpr size_t kMaxCoroutineChain = 1024;

// 3.14+: finds the target's `.AsyncioDebug` section (find_asyncio_debug); asked only for 3.14+.
using AsyncioDebugLocator = std::function<std::optional<AsyncioDebugLocation>()>;

// Every task of every interpreter. `threads` is a Python-only snapshot of the same stop: it
// ties loops to OS threads and gives the running task its live frames.
Result<TasksReport> read_tasks(const Memory& memory, const Offsets& offsets, const Snapshot& threads,
                               const AsyncioDebugLocator& locate_section = {});

// An event loop's current task (asyncio.tasks._current_tasks; 3.14+: the thread state's
// asyncio_running_task), as a snapshot marks its frames.
struct RunningTask {
    int64_t interpreter_id = 0;
    uint64_t address = 0;
    std::string name;
    std::optional<int64_t> thread;  // OS tid of the thread running its loop
    uint64_t coroutine_frame = 0;   // its coroutine's frame, 0 when it has none
};

// Each interpreter's running tasks: cheap enough for every snapshot (nothing when asyncio was
// never imported). 3.8-3.13 read no task registry; 3.14+ read the thread states' task lists,
// laid out by `locate_section`'s `.AsyncioDebug`. `threads` as for read_tasks.
Result<std::vector<RunningTask>> current_tasks(const Memory& memory, const Offsets& offsets,
                                               const Snapshot& threads,
                                               const AsyncioDebugLocator& locate_section = {});

// The cycles of a directed graph (node -> the nodes it points at), each once, starting at its
// smallest node; bounded by the graph's size.
std::vector<std::vector<uint64_t>> find_cycles(
    const std::vector<std::pair<uint64_t, std::vector<uint64_t>>>& graph);

}  // namespace pyxray

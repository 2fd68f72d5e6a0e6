// asyncio's tasks of CPython 3.14+: each thread state's intrusive list of pending tasks (and the
// interpreter's, for tasks of threads that are gone), described by the `_asyncio` module's own
// `.AsyncioDebug` section (Py_AsyncioModuleDebugOffsets), read from the target and checked.
// Its offsets change between 3.14 patch releases: nothing here is compiled in but fallbacks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "layout/asyncio_offsets.hpp"
#include "layout/debug_offsets_314.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/target.hpp"

namespace pyxray {
namespace mirror {

// Py_AsyncioModuleDebugOffsets (Modules/_asynciomodule.c, 3.14+): 13 uint64_t (7 + 2 + 4
// members, 104 bytes), no cookie, no version.
struct AsyncioDebugOffsets {
    struct {
        uint64_t size, task_name, task_awaited_by, task_is_task, task_awaited_by_is_set, task_coro, task_node;
    } asyncio_task_object;
    struct {
        uint64_t size, asyncio_tasks_head;
    } asyncio_interpreter_state;
    struct {
        uint64_t size, asyncio_running_loop, asyncio_running_task, asyncio_tasks_head;
    } asyncio_thread_state;
};
static_assert(sizeof(AsyncioDebugOffsets) == sizeof(uint64_t) * (7 + 2 + 4));

}  // namespace mirror

// Where a target's `.AsyncioDebug` section is loaded, and the module that holds it.
struct AsyncioDebugLocation {
    uint64_t address = 0;
    std::string module;
};

// The section in the `_asyncio*.so` module first, then the executable and libpython; nullopt
// when no module has one (asyncio was never imported, or its module predates 3.14).
std::optional<AsyncioDebugLocation> find_asyncio_debug(const Target& target);

// Reads the section and checks every offset against its struct's size and the target's own
// _Py_DebugOffsets (`table`, when it could be read); the error names the field.
Result<mirror::AsyncioDebugOffsets> read_asyncio_debug(const Memory& memory,
                                                       const AsyncioDebugLocation& where,
                                                       const Offsets& offsets,
                                                       const std::optional<VersionedDebugTable>& table);

// The task and coroutine offsets py-tasks reads: `compiled` (pyxray's 3.14 mirrors) with the
// section's task offsets and the runtime table's generator and frame offsets put over them.
// Fields the section does not give (state, loop, fut_waiter) are placed from its anchors, as
// TaskObj lays them out. Disagreements with the compiled table and unusable runtime-table fields
// become notes.
AsyncioOffsets asyncio_offsets_from_target(const AsyncioOffsets& compiled,
                                           const mirror::AsyncioDebugOffsets& section, const Offsets& offsets,
                                           const std::optional<VersionedDebugTable>& table,
                                           std::vector<std::string>& notes);

// The tasks of one interpreter's lists, and what its thread states say runs.
struct ListedTasks {
    int64_t interpreter_id = 0;
    std::vector<uint64_t> tasks;
    std::unordered_map<uint64_t, uint64_t> current_by_loop;  // asyncio_running_loop -> _task
    std::unordered_map<uint64_t, int64_t> thread_by_loop;    // asyncio_running_loop -> native tid
};

// Every interpreter's thread lists and its own list; bounded (kMaxTasks, loops, unreadable
// links): what is cut short is said in `notes`.
std::vector<ListedTasks> walk_task_lists(const Memory& memory, const Offsets& offsets, uint64_t runtime,
                                         const mirror::AsyncioDebugOffsets& section,
                                         std::vector<std::string>& notes);

}  // namespace pyxray

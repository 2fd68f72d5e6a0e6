#include "asyncio/task_lists_314.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "asyncio/task_registry.hpp"
#include "interp/thread_states.hpp"
#include "pyxray/path_names.hpp"

namespace pyxray {
namespace {

constexpr std::string_view kSection = ".AsyncioDebug";
// No TaskObj is near this big; the interpreter state is ~200 KB, a thread state a few KB.
constexpr uint64_t kMaxTaskSize = 4096;
constexpr uint64_t kMaxInterpreterSize = 16 << 20;
constexpr uint64_t kMaxThreadStateSize = 1 << 20;

// 0: the _asyncio extension; 1: the executable or libpython (a build with _asyncio built in).
std::optional<int> search_rank(const ModuleInfo& module, const std::string& executable) {
    std::string_view name = path_basename(module.path);
    if (name.starts_with("_asyncio")) return 0;
    if (module.path == executable || name.starts_with("libpython") || name.starts_with("python")) return 1;
    return std::nullopt;
}

bool fits(uint64_t offset, uint64_t width, uint64_t size) { return offset <= size && width <= size - offset; }

Result<void> bad_section(const AsyncioDebugLocation& where, std::string what) {
    return fail(ErrorCode::BadData, fmt::format("the {} section of {} at {:#x} is not usable: {}", kSection,
                                                where.module, where.address, std::move(what)));
}

Result<void> check_task_fields(const mirror::AsyncioDebugOffsets& s, uint64_t header,
                               const AsyncioDebugLocation& where) {
    const auto& t = s.asyncio_task_object;
    if (t.size < header + 8 || t.size > kMaxTaskSize)
        return bad_section(where, fmt::format("asyncio_task_object.size {} is outside {}..{}", t.size,
                                              header + 8, kMaxTaskSize));
    struct Field {
        const char* name;
        uint64_t offset, width, lowest;
    };
    // fut_state (an int) is read right before is_task, fut_waiter right before coro.
    for (Field f :
         {Field{"task_name", t.task_name, 8, header}, Field{"task_awaited_by", t.task_awaited_by, 8, header},
          Field{"task_is_task", t.task_is_task, 1, header + 12},
          Field{"task_awaited_by_is_set", t.task_awaited_by_is_set, 1, header},
          Field{"task_coro", t.task_coro, 8, header + 8}, Field{"task_node", t.task_node, 16, header}}) {
        if (f.offset < f.lowest || !fits(f.offset, f.width, t.size))
            return bad_section(where, fmt::format("asyncio_task_object.{} = {} ({} bytes) is not inside the "
                                                  "task's bytes {}..{}",
                                                  f.name, f.offset, f.width, f.lowest, t.size));
    }
    return {};
}

Result<void> check_state_fields(const mirror::AsyncioDebugOffsets& s,
                                const std::optional<VersionedDebugTable>& table,
                                const AsyncioDebugLocation& where) {
    const auto& i = s.asyncio_interpreter_state;
    const auto& th = s.asyncio_thread_state;
    if (i.size == 0 || i.size > kMaxInterpreterSize || !fits(i.asyncio_tasks_head, 16, i.size))
        return bad_section(where,
                           fmt::format("asyncio_interpreter_state.asyncio_tasks_head = {} is not inside "
                                       "the interpreter state's {} bytes",
                                       i.asyncio_tasks_head, i.size));
    if (table && i.size != table->common.interpreter_state.size)
        return bad_section(where, fmt::format("asyncio_interpreter_state.size {} is not _Py_DebugOffsets' "
                                              "interpreter_state.size {}",
                                              i.size, table->common.interpreter_state.size));
    // The asyncio fields are _PyThreadStateImpl's, after the PyThreadState it starts with.
    uint64_t base = table ? table->common.thread_state.size : 0;
    if (th.size > kMaxThreadStateSize)
        return bad_section(
            where, fmt::format("asyncio_thread_state.size {} is over {}", th.size, kMaxThreadStateSize));
    struct Field {
        const char* name;
        uint64_t offset, width;
    };
    for (Field f : {Field{"asyncio_running_loop", th.asyncio_running_loop, 8},
                    Field{"asyncio_running_task", th.asyncio_running_task, 8},
                    Field{"asyncio_tasks_head", th.asyncio_tasks_head, 16}}) {
        if (f.offset < base || !fits(f.offset, f.width, th.size))
            return bad_section(where, fmt::format("asyncio_thread_state.{} = {} ({} bytes) is not inside the "
                                                  "thread state's {} bytes after PyThreadState's {}",
                                                  f.name, f.offset, f.width, th.size, base));
    }
    return {};
}

// The runtime table's generator and frame fields, when they fit their structs.
std::optional<std::string> unusable_generator_fields(const VersionedDebugTable& table) {
    if (!table.gen_object || !table.frame_stackpointer) return "it has no gen_object fields";
    const auto& g = *table.gen_object;
    uint64_t localsplus = table.common.interpreter_frame.localsplus;
    if (g.size > kMaxTaskSize || !fits(g.gi_name, 16, g.size) || !fits(g.gi_frame_state, 1, g.size) ||
        !fits(g.gi_iframe, localsplus, g.size) || g.gi_iframe == 0)
        return fmt::format("gen_object (size {}, gi_name {}, gi_iframe {}, gi_frame_state {}) does not fit",
                           g.size, g.gi_name, g.gi_iframe, g.gi_frame_state);
    if (!fits(*table.frame_stackpointer, 8, localsplus))
        return fmt::format("interpreter_frame.stackpointer = {} is not before localsplus ({})",
                           *table.frame_stackpointer, localsplus);
    return std::nullopt;
}

void note_difference(const char* field, uint64_t compiled, uint64_t target,
                     std::vector<std::string>& differences) {
    if (compiled != target)
        differences.push_back(fmt::format("{} {} (pyxray's {})", field, target, compiled));
}

}  // namespace

std::optional<AsyncioDebugLocation> find_asyncio_debug(const Target& target) {
    auto modules = target.modules();
    if (!modules) return std::nullopt;
    std::string executable = target.info().executable;
    std::vector<std::pair<int, const ModuleInfo*>> candidates;
    for (const ModuleInfo& module : *modules)
        if (auto rank = search_rank(module, executable)) candidates.emplace_back(*rank, &module);
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [rank, module] : candidates) {
        auto symbols = target.module_symbols(*module, {});
        if (!symbols) continue;
        if (auto section = (*symbols)->section(kSection))
            if (section->size >= sizeof(mirror::AsyncioDebugOffsets))
                return AsyncioDebugLocation{section->address, module->path};
    }
    return std::nullopt;
}

Result<mirror::AsyncioDebugOffsets> read_asyncio_debug(const Memory& memory,
                                                       const AsyncioDebugLocation& where,
                                                       const Offsets& offsets,
                                                       const std::optional<VersionedDebugTable>& table) {
    auto bytes = read_bytes(memory, where.address, sizeof(mirror::AsyncioDebugOffsets));
    if (!bytes)
        return fail(ErrorCode::BadData,
                    fmt::format("the {} section of {} at {:#x} is unreadable: {}", kSection, where.module,
                                where.address, bytes.error().message));
    mirror::AsyncioDebugOffsets section;
    std::memcpy(&section, bytes->data(), sizeof(section));
    PYXRAY_TRY_VOID(check_task_fields(section, object_header_size(offsets), where));
    PYXRAY_TRY_VOID(check_state_fields(section, table, where));
    return section;
}

AsyncioOffsets asyncio_offsets_from_target(const AsyncioOffsets& compiled,
                                           const mirror::AsyncioDebugOffsets& section, const Offsets& offsets,
                                           const std::optional<VersionedDebugTable>& table,
                                           std::vector<std::string>& notes) {
    const auto& t = section.asyncio_task_object;
    AsyncioOffsets o = compiled;
    o.task_size = t.size;
    o.task_name = t.task_name;
    o.fut_awaited_by = t.task_awaited_by;
    o.fut_is_task = t.task_is_task;
    o.fut_awaited_by_is_set = t.task_awaited_by_is_set;
    o.task_coro = t.task_coro;
    o.task_node = t.task_node;
    // TaskObj's shape (FutureObj_HEAD): the loop right after the header, the int state right
    // before the is_task byte, the waiter right before the coroutine.
    o.fut_loop = object_header_size(offsets);
    o.fut_callback0 = o.fut_loop + 8;
    o.fut_callbacks = o.fut_loop + 24;
    o.fut_result = o.fut_loop + 48;
    o.fut_state = t.task_is_task - 4;
    o.task_fut_waiter = t.task_coro - 8;
    std::vector<std::string> differences;
    note_difference("task size", compiled.task_size, o.task_size, differences);
    note_difference("task_name", compiled.task_name, o.task_name, differences);
    note_difference("task_coro", compiled.task_coro, o.task_coro, differences);
    note_difference("task_node", compiled.task_node.value_or(0), *o.task_node, differences);
    note_difference("awaited_by", compiled.fut_awaited_by.value_or(0), *o.fut_awaited_by, differences);
    note_difference("is_task", compiled.fut_is_task.value_or(0), *o.fut_is_task, differences);
    if (!differences.empty())
        notes.push_back(
            fmt::format("the target's {} places TaskObj's fields otherwise than pyxray's table ({}): "
                        "the target's are used",
                        kSection, fmt::join(differences, ", ")));
    auto unusable =
        table ? unusable_generator_fields(*table) : std::optional<std::string>("it is unreadable");
    if (unusable) {
        notes.push_back(
            fmt::format("coroutines are read with pyxray's own layout: the target's _Py_DebugOffsets "
                        "does not say where they keep their frames ({})",
                        *unusable));
        return o;
    }
    o.coroutine.gi_iframe = table->gen_object->gi_iframe;
    o.coroutine.gi_frame_state = table->gen_object->gi_frame_state;
    o.coroutine.gi_qualname = table->gen_object->gi_name + 8;  // _PyGenObject_HEAD: name, then qualname
    o.coroutine.stackpointer = *table->frame_stackpointer;
    return o;
}

namespace {

// One circular list (CPython's llist: the head is a sentinel, empty when head.next == &head),
// walked from `head`; each node is a TaskObj's task_node.
void walk_list(const Memory& memory, uint64_t head, uint64_t node_offset, const std::string& whose,
               ListedTasks& out, size_t& total, std::vector<std::string>& notes) {
    std::unordered_set<uint64_t> visited;
    auto next = read_pointer(memory, head);
    if (!next) {
        notes.push_back(
            fmt::format("the task list of {} is unreadable at {:#x}: {}", whose, head, next.error().message));
        return;
    }
    size_t listed = 0;
    for (uint64_t node = *next; node != head;) {
        if (node == 0) {
            notes.push_back(
                fmt::format("the task list of {} ends in a NULL link after {} tasks", whose, listed));
            return;
        }
        if (!visited.insert(node).second) {
            notes.push_back(
                fmt::format("the task list of {} loops back to {:#x} after {} tasks: the rest is not listed",
                            whose, node, listed));
            return;
        }
        if (total >= kMaxTasks) {
            notes.push_back(fmt::format("task lists cut at {} tasks ({} not all listed)", kMaxTasks, whose));
            return;
        }
        auto following = read_pointer(memory, node);
        if (!following) {
            notes.push_back(
                fmt::format("the task list of {} has an unreadable node at {:#x} after {} tasks: the "
                            "rest is not listed",
                            whose, node, listed));
            return;
        }
        out.tasks.push_back(node - node_offset);
        ++listed;
        ++total;
        node = *following;
    }
}

}  // namespace

std::vector<ListedTasks> walk_task_lists(const Memory& memory, const Offsets& offsets, uint64_t runtime,
                                         const mirror::AsyncioDebugOffsets& section,
                                         std::vector<std::string>& notes) {
    const auto& th = section.asyncio_thread_state;
    uint64_t node_offset = section.asyncio_task_object.task_node;
    std::vector<ListedTasks> out;
    size_t total = 0;
    auto interpreters = read_interpreters(memory, offsets, runtime);
    for (uint64_t interp : interpreters ? interpreters->interpreters : std::vector<uint64_t>{}) {
        ListedTasks listed;
        listed.interpreter_id =
            read_value<int64_t>(memory, interp + offsets.interpreter_state.id).value_or(-1);
        std::unordered_set<uint64_t> threads;
        auto first = read_pointer(memory, interp + offsets.interpreter_state.threads_head);
        for (uint64_t tstate = first.value_or(0); tstate != 0 && threads.size() < kMaxThreadStates;) {
            if (!threads.insert(tstate).second) break;
            auto tid =
                read_value<int64_t>(memory, tstate + offsets.thread_state.native_thread_id).value_or(0);
            uint64_t loop = read_pointer(memory, tstate + th.asyncio_running_loop).value_or(0);
            uint64_t task = read_pointer(memory, tstate + th.asyncio_running_task).value_or(0);
            if (loop) listed.thread_by_loop[loop] = tid;
            if (loop && task) listed.current_by_loop[loop] = task;
            walk_list(memory, tstate + th.asyncio_tasks_head, node_offset,
                      fmt::format("thread {} (interpreter {})", tid, listed.interpreter_id), listed, total,
                      notes);
            tstate = read_pointer(memory, tstate + offsets.thread_state.next).value_or(0);
        }
        walk_list(memory, interp + section.asyncio_interpreter_state.asyncio_tasks_head, node_offset,
                  fmt::format("interpreter {} (tasks of finished threads)", listed.interpreter_id), listed,
                  total, notes);
        out.push_back(std::move(listed));
    }
    return out;
}

}  // namespace pyxray

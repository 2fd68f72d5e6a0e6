#include "asyncio/task_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "asyncio/task_marks.hpp"
#include "interp/code_objects.hpp"
#include "interp/frame_variables.hpp"
#include "interp/frame_walker.hpp"
#include "interp/legacy_frames.hpp"
#include "interp/strings.hpp"
#include "interp/thread_states.hpp"
#include "interp/thread_status.hpp"
#include "layout/asyncio_offsets.hpp"
#include "layout/debug_offsets_314.hpp"
#include "objects/object_reader.hpp"

namespace pyxray {
namespace {

constexpr size_t kMaxTypeChain = 64;  // tp_base links followed to tell a Task subclass
constexpr int64_t kMaxStackSlots = 1 << 16;

// The registries of one interpreter's asyncio.tasks module.
struct Registry {
    int64_t interpreter_id = 0;
    std::vector<uint64_t> tasks;
    std::unordered_map<uint64_t, uint64_t> current_by_loop;  // _current_tasks: loop -> task
    // 3.14+: the thread states say which thread runs which loop (asyncio_running_loop).
    std::optional<std::unordered_map<uint64_t, int64_t>> thread_by_loop;
};

// The OS thread whose event loop owns a task, and its name when the snapshot has one.
struct LoopThread {
    std::optional<int64_t> tid;
    std::optional<std::string> name;
};

// What a future (or task) is, told from its type and the types it derives from.
enum class FutureKind { CTask, PythonTask, CFuture, PythonFuture, Gathering, Other };

class TaskReader {
public:
    TaskReader(const Memory& memory, const Offsets& offsets, const AsyncioOffsets& aio,
               const Snapshot& threads)
        : memory_(memory),
          offsets_(offsets),
          aio_(aio),
          threads_(threads),
          reader_(memory, offsets),
          codes_(memory, offsets) {}

    std::vector<Registry> registries(uint64_t runtime, std::vector<std::string>& notes);
    std::vector<Registry> current_registries(uint64_t runtime);
    std::vector<RunningTask> running(const std::vector<Registry>& registries);
    AsyncTask read(uint64_t task, const Registry& registry);
    void link(std::vector<AsyncTask>& tasks);

private:
    FutureKind kind_of(uint64_t object);
    std::vector<std::string> type_chain(uint64_t object);
    Result<std::vector<uint64_t>> weakset_items(uint64_t weakset, size_t& unreadable);
    void add_registry_set(uint64_t module, const char* name, bool weak, Registry& registry,
                          std::vector<std::string>& notes);
    std::vector<std::pair<int64_t, uint64_t>> asyncio_tasks_modules(uint64_t runtime);
    void add_current_tasks(uint64_t module, Registry& registry);
    uint64_t coroutine_of(uint64_t task, FutureKind kind);

    std::string task_name(uint64_t task, FutureKind kind);
    LoopThread loop_thread(uint64_t loop, const Registry& registry);
    LoopThread thread_with_tid(int64_t tid) const;
    std::vector<uint64_t> awaiters(uint64_t task);
    bool has_frame(int8_t state) const;
    std::vector<PyFrame> coroutine_chain(uint64_t coro, std::vector<std::string>& notes);
    std::optional<PyFrame> coroutine_frame(uint64_t coro, uint64_t& frame_address);
    uint64_t awaited_object(uint64_t coro, uint64_t frame);
    uint64_t awaited_from_stackpointer(uint64_t frame);
    bool is_coroutine(uint64_t object);
    std::vector<PyFrame> running_frames(const AsyncTask& task, uint64_t coro);
    void describe_wait(AsyncTask& task);
    std::optional<uint64_t> frame_local(const PyFrame& frame, std::string_view name);
    std::string sleep_text(const PyFrame& frame);
    std::vector<uint64_t> tasks_in(const Result<std::vector<uint64_t>>& items);

    const Memory& memory_;
    const Offsets& offsets_;
    const AsyncioOffsets& aio_;
    const Snapshot& threads_;
    ObjectReader reader_;
    CodeCache codes_;
    std::unordered_map<uint64_t, FutureKind> kinds_by_type_;
    std::unordered_map<uint64_t, bool> coroutine_types_;  // type -> a coroutine or generator type
    std::unordered_map<uint64_t, LoopThread> threads_by_loop_;
};

std::vector<std::string> TaskReader::type_chain(uint64_t object) {
    std::vector<std::string> names;
    auto type = read_pointer(memory_, object + offsets_.pyobject.ob_type);
    for (uint64_t at = type.value_or(0); at != 0 && names.size() < kMaxTypeChain;) {
        auto name = read_pointer(memory_, at + offsets_.type_object.tp_name);
        if (!name) break;
        names.push_back(read_c_string(memory_, *name, 128).value_or("?"));
        at = read_pointer(memory_, at + offsets_.objects.type.tp_base).value_or(0);
    }
    return names;
}

FutureKind TaskReader::kind_of(uint64_t object) {
    auto type = read_pointer(memory_, object + offsets_.pyobject.ob_type);
    if (!type) return FutureKind::Other;
    auto known = kinds_by_type_.find(*type);
    if (known != kinds_by_type_.end()) return known->second;
    auto names = type_chain(object);
    auto has = [&](std::string_view name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    FutureKind kind = FutureKind::Other;
    bool gathering = !names.empty() && names.front() == "_GatheringFuture";
    if (has("_asyncio.Task"))
        kind = FutureKind::CTask;
    else if (gathering)
        kind = FutureKind::Gathering;
    else if (has("_asyncio.Future"))
        kind = FutureKind::CFuture;
    else if (reader_.attribute(object, "_coro").value_or(std::nullopt))
        kind = FutureKind::PythonTask;  // asyncio.tasks._PyTask and its subclasses
    else if (reader_.attribute(object, "_asyncio_future_blocking").value_or(std::nullopt))
        kind = FutureKind::PythonFuture;
    kinds_by_type_[*type] = kind;
    return kind;
}

bool is_task(FutureKind kind) { return kind == FutureKind::CTask || kind == FutureKind::PythonTask; }

// A WeakSet's live referents: its `data` set holds weakrefs; a dead one points at None.
// `unreadable` counts the references whose object cannot be read (freed memory in a damaged core).
Result<std::vector<uint64_t>> TaskReader::weakset_items(uint64_t weakset, size_t& unreadable) {
    PYXRAY_TRY(data, reader_.attribute(weakset, "data"));
    if (!data) return fail(ErrorCode::BadData, fmt::format("WeakSet at {:#x} has no data set", weakset));
    PYXRAY_TRY(refs, reader_.set_items(*data, kMaxTasks));
    std::vector<uint64_t> alive;
    for (uint64_t ref : refs) {
        auto referent = read_pointer(memory_, ref + object_header_size(offsets_));
        if (!referent || *referent == 0) {
            ++unreadable;
            continue;
        }
        auto type = reader_.type_name(*referent);
        if (!type)
            ++unreadable;
        else if (*type != "NoneType")
            alive.push_back(*referent);
    }
    return alive;
}

void TaskReader::add_registry_set(uint64_t module, const char* name, bool weak, Registry& registry,
                                  std::vector<std::string>& notes) {
    auto set = reader_.attribute(module, name);
    if (!set || !*set) return;
    size_t unreadable = 0;
    auto items = weak ? weakset_items(**set, unreadable) : reader_.set_items(**set, kMaxTasks);
    if (!items) {
        notes.push_back(fmt::format("asyncio.tasks.{} of interpreter {} unreadable: {}", name,
                                    registry.interpreter_id, items.error().message));
        return;
    }
    if (unreadable > 0)
        notes.push_back(
            fmt::format("asyncio.tasks.{} of interpreter {}: {} entr{} whose task is unreadable "
                        "(freed, or the memory is damaged) left out",
                        name, registry.interpreter_id, unreadable, unreadable == 1 ? "y" : "ies"));
    registry.tasks.insert(registry.tasks.end(), items->begin(), items->end());
}

// (interpreter id, its asyncio.tasks module) of each interpreter that imported it.
std::vector<std::pair<int64_t, uint64_t>> TaskReader::asyncio_tasks_modules(uint64_t runtime) {
    std::vector<std::pair<int64_t, uint64_t>> out;
    auto list = read_interpreters(memory_, offsets_, runtime);
    for (uint64_t interp : list ? list->interpreters : std::vector<uint64_t>{}) {
        int64_t id = read_value<int64_t>(memory_, interp + offsets_.interpreter_state.id).value_or(-1);
        uint64_t modules = read_interpreter_status(memory_, offsets_, runtime, interp).modules;
        auto module =
            modules ? reader_.dict_get(modules, "asyncio.tasks") : Result<std::optional<uint64_t>>();
        if (module && *module) out.emplace_back(id, **module);
    }
    return out;
}

void TaskReader::add_current_tasks(uint64_t module, Registry& registry) {
    auto current = reader_.attribute(module, "_current_tasks");
    if (current && *current)
        for (const auto& [loop, task] :
             reader_.dict_items(**current).value_or(std::vector<std::pair<uint64_t, uint64_t>>{}))
            registry.current_by_loop[loop] = task;
}

// 3.8-3.11 keep every task in asyncio.tasks._all_tasks; 3.12-3.13 split it into
// _scheduled_tasks (a WeakSet) and _eager_tasks (a set, tasks running their eager first step).
std::vector<Registry> TaskReader::registries(uint64_t runtime, std::vector<std::string>& notes) {
    std::vector<Registry> out;
    for (const auto& [id, module] : asyncio_tasks_modules(runtime)) {
        Registry registry;
        registry.interpreter_id = id;
        add_registry_set(module, "_all_tasks", true, registry, notes);
        add_registry_set(module, "_scheduled_tasks", true, registry, notes);
        add_registry_set(module, "_eager_tasks", false, registry, notes);
        add_current_tasks(module, registry);
        out.push_back(std::move(registry));
    }
    return out;
}

// 3.8-3.13: only _current_tasks of each interpreter, what a snapshot needs to mark the running
// tasks' frames.
std::vector<Registry> TaskReader::current_registries(uint64_t runtime) {
    std::vector<Registry> out;
    for (const auto& [id, module] : asyncio_tasks_modules(runtime)) {
        Registry registry;
        registry.interpreter_id = id;
        add_current_tasks(module, registry);
        out.push_back(std::move(registry));
    }
    return out;
}

std::vector<RunningTask> TaskReader::running(const std::vector<Registry>& registries) {
    std::vector<RunningTask> out;
    for (const Registry& registry : registries) {
        for (const auto& [loop, address] : registry.current_by_loop) {
            FutureKind kind = kind_of(address);
            if (!is_task(kind)) continue;
            RunningTask task{registry.interpreter_id, address, task_name(address, kind),
                             loop_thread(loop, registry).tid, 0};
            coroutine_frame(coroutine_of(address, kind), task.coroutine_frame);
            out.push_back(std::move(task));
        }
    }
    return out;
}

uint64_t TaskReader::coroutine_of(uint64_t task, FutureKind kind) {
    if (kind == FutureKind::CTask) return read_pointer(memory_, task + aio_.task_coro).value_or(0);
    return reader_.attribute(task, "_coro").value_or(std::nullopt).value_or(0);
}

std::string TaskReader::task_name(uint64_t task, FutureKind kind) {
    uint64_t name = 0;
    if (kind == FutureKind::CTask)
        name = read_pointer(memory_, task + aio_.task_name).value_or(0);
    else
        name = reader_.attribute(task, "_name").value_or(std::nullopt).value_or(0);
    if (name == 0) return "?";
    // 3.12+ keep the counter until get_name() is called: "Task-N" then.
    if (reader_.type_name(name).value_or("") == "int")
        if (auto number = reader_.int_value(name)) return fmt::format("Task-{}", *number);
    return reader_.str_value(name, 256).value_or("?");
}

LoopThread TaskReader::thread_with_tid(int64_t tid) const {
    for (const ThreadStack& thread : threads_.threads)
        if (thread.tid == tid) return {tid, thread.name};
    return {tid, std::nullopt};
}

// 3.14+: the thread whose state says it runs the loop (Registry::thread_by_loop). Before: the
// loop's _thread_id, set to threading.get_ident() while it runs, which is the thread state's
// thread_id (pthread_self).
LoopThread TaskReader::loop_thread(uint64_t loop, const Registry& registry) {
    if (registry.thread_by_loop) {
        auto running = registry.thread_by_loop->find(loop);
        return running == registry.thread_by_loop->end() ? LoopThread{} : thread_with_tid(running->second);
    }
    auto known = threads_by_loop_.find(loop);
    if (known != threads_by_loop_.end()) return known->second;
    LoopThread found;
    auto ident_object = reader_.attribute(loop, "_thread_id").value_or(std::nullopt);
    auto ident = ident_object ? reader_.int_value(*ident_object) : Result<int64_t>(0);
    if (ident && *ident != 0)
        for (const ThreadStack& thread : threads_.threads)
            if (thread.state && thread.state->thread_id == static_cast<uint64_t>(*ident))
                found = {thread.tid, thread.name};
    threads_by_loop_[loop] = found;
    return found;
}

// Where a coroutine's frame is, and the frame as Python shows it; nothing once it finished.
std::optional<PyFrame> TaskReader::coroutine_frame(uint64_t coro, uint64_t& frame_address) {
    const CoroutineOffsets& c = aio_.coroutine;
    PyThread one;
    if (c.gi_frame) {
        frame_address = read_pointer(memory_, coro + *c.gi_frame).value_or(0);
        if (frame_address == 0) return std::nullopt;
        LegacyFrameWalker(memory_, offsets_, codes_, 1).walk(frame_address, one);
    } else {
        auto state = read_value<int8_t>(memory_, coro + *c.gi_frame_state);
        if (!state || !has_frame(*state)) return std::nullopt;  // completed or cleared
        frame_address = coro + *c.gi_iframe;
        FrameWalker(memory_, offsets_, codes_, 1).walk(frame_address, one);
    }
    if (one.frames.empty()) return std::nullopt;
    PyFrame frame = std::move(one.frames.front());
    auto qualname = read_pointer(memory_, coro + c.gi_qualname);
    if (qualname)
        if (auto text = reader_.str_value(*qualname, 256)) frame.qualname = *text;
    return frame;
}

// What a suspended coroutine's `await` is on: the top of its frame's value stack, as
// CPython's _PyGen_yf reads it; 0 when it is not suspended in an await.
uint64_t TaskReader::awaited_object(uint64_t coro, uint64_t frame) {
    const CoroutineOffsets& c = aio_.coroutine;
    if (c.stacktop_pointer) {  // 3.8-3.9
        uint64_t top = read_pointer(memory_, frame + *c.stacktop_pointer).value_or(0);
        uint64_t bottom = read_pointer(memory_, frame + c.valuestack).value_or(0);
        if (top == 0 || top <= bottom) return 0;
        return read_pointer(memory_, top - 8).value_or(0);
    }
    if (c.stackdepth) {  // 3.10
        if (read_value<int8_t>(memory_, frame + *c.frame_state).value_or(0) != c.suspended) return 0;
        int32_t depth = read_value<int32_t>(memory_, frame + *c.stackdepth).value_or(0);
        uint64_t bottom = read_pointer(memory_, frame + c.valuestack).value_or(0);
        if (depth <= 0 || depth > kMaxStackSlots || bottom == 0) return 0;
        return read_pointer(memory_, bottom + 8 * static_cast<uint64_t>(depth - 1)).value_or(0);
    }
    auto state = read_value<int8_t>(memory_, coro + *c.gi_frame_state);
    if (!state || (*state != c.suspended && *state != c.suspended_locked)) return 0;
    if (c.stackpointer) return awaited_from_stackpointer(frame);
    int32_t top = read_value<int32_t>(memory_, frame + *c.stacktop_index).value_or(0);
    if (top <= 0 || top > kMaxStackSlots) return 0;
    uint64_t slot = frame + offsets_.frame_variables.localsplus + 8 * static_cast<uint64_t>(top - 1);
    return read_pointer(memory_, slot).value_or(0);
}

bool TaskReader::has_frame(int8_t state) const {
    const auto& states = aio_.coroutine.frame_states;
    return std::find(states.begin(), states.end(), state) != states.end();
}

// 3.14+: the stack's top _PyStackRef, its tag bits cleared (a tagged int is no object). 3.15
// leaves a NULL on top of the awaited object in an await (_SEND_GEN_FRAME), so that one is
// taken from below it.
uint64_t TaskReader::awaited_from_stackpointer(uint64_t frame) {
    uint64_t bottom = frame + offsets_.frame_variables.localsplus;
    uint64_t top = read_pointer(memory_, frame + *aio_.coroutine.stackpointer).value_or(0);
    if (top <= bottom || top - bottom > 8 * static_cast<uint64_t>(kMaxStackSlots)) return 0;
    for (uint64_t slot = top - 8; slot >= bottom && slot + 16 >= top; slot -= 8) {
        uint64_t ref = read_pointer(memory_, slot).value_or(0);
        if ((ref & 3) == 3) return 0;
        if (ref & ~uint64_t{3}) return ref & ~uint64_t{3};
        if (!aio_.coroutine.null_above_awaited) return 0;
    }
    return 0;
}

bool TaskReader::is_coroutine(uint64_t object) {
    auto type = read_pointer(memory_, object + offsets_.pyobject.ob_type);
    if (!type) return false;
    auto known = coroutine_types_.find(*type);
    if (known != coroutine_types_.end()) return known->second;
    auto name = reader_.type_name(object);
    bool coroutine = name && (*name == "coroutine" || *name == "generator");
    coroutine_types_[*type] = coroutine;
    return coroutine;
}

// Innermost first: the task's coroutine, then what each awaits while that is a coroutine.
std::vector<PyFrame> TaskReader::coroutine_chain(uint64_t coro, std::vector<std::string>& notes) {
    std::vector<PyFrame> outermost_first;
    std::unordered_set<uint64_t> visited;
    while (coro != 0 && is_coroutine(coro)) {
        if (!visited.insert(coro).second) {
            notes.push_back(fmt::format("coroutine chain loops back to {:#x}", coro));
            break;
        }
        if (visited.size() > kMaxCoroutineChain) {
            notes.push_back(fmt::format("coroutine chain cut after {} coroutines", kMaxCoroutineChain));
            break;
        }
        uint64_t frame_address = 0;
        auto frame = coroutine_frame(coro, frame_address);
        if (!frame) break;
        outermost_first.push_back(std::move(*frame));
        coro = awaited_object(coro, frame_address);
    }
    return {outermost_first.rbegin(), outermost_first.rend()};
}

// A running task's chain is its thread's live frames, down to its coroutine's.
std::vector<PyFrame> TaskReader::running_frames(const AsyncTask& task, uint64_t coro) {
    uint64_t frame_address = 0;
    if (!coroutine_frame(coro, frame_address) || !task.thread) return {};
    for (const ThreadStack& thread : threads_.threads) {
        if (thread.tid != *task.thread) continue;
        std::vector<PyFrame> frames;
        for (size_t index : python_frames_in_task(thread, frame_address))
            frames.push_back(thread.frames[index].python);
        if (!frames.empty()) return frames;
    }
    return {};
}

std::optional<uint64_t> TaskReader::frame_local(const PyFrame& frame, std::string_view name) {
    auto namespaces =
        read_frame_namespaces(memory_, offsets_, reader_, frame.frame_address, frame.code_address);
    if (!namespaces) return std::nullopt;
    for (const auto& variable : namespaces->locals)
        if (variable.name == name) return variable.object;
    return std::nullopt;
}

std::vector<uint64_t> TaskReader::tasks_in(const Result<std::vector<uint64_t>>& items) {
    std::vector<uint64_t> tasks;
    for (uint64_t item : items.value_or(std::vector<uint64_t>{}))
        if (is_task(kind_of(item))) tasks.push_back(item);
    return tasks;
}

bool in_asyncio(const PyFrame& frame, std::string_view file) {
    return std::string_view(frame.file).ends_with(std::string("asyncio/") + std::string(file));
}

// asyncio.sleep(delay) keeps its TimerHandle in the local `h`; its _when is loop.time(), the
// monotonic clock, so a live target's remaining time is told against ours.
std::string TaskReader::sleep_text(const PyFrame& frame) {
    auto handle = frame_local(frame, "h");
    auto when = handle ? reader_.attribute(*handle, "_when").value_or(std::nullopt) : std::nullopt;
    if (!when) return "sleep";
    double deadline = 0;
    try {
        deadline = std::stod(reader_.repr(*when));
    } catch (...) {
        return "sleep";
    }
    std::string text = fmt::format("sleep until loop time {:.3f}", deadline);
    if (threads_.target.kind == TargetKind::Live) {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = deadline - (static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9);
        text += fmt::format(" (in {:.1f} s)", left);
    }
    return text;
}

// What the task waits for: the tasks it awaits (the waiter, a gather's children, a TaskGroup's
// tasks) and, in words, the primitive its innermost coroutine waits in.
void TaskReader::describe_wait(AsyncTask& task) {
    if (task.state == "done" || task.state == "cancelled") return;
    if (task.state == "running") {
        task.awaits = "running";
        return;
    }
    const PyFrame* innermost = task.coroutine.empty() ? nullptr : &task.coroutine.front();
    FutureKind waiter = task.waiter ? kind_of(task.waiter) : FutureKind::Other;
    if (is_task(waiter)) {
        task.awaiting.push_back(task.waiter);
        task.awaits = "task";  // named in link(), once every task's name is known
        return;
    }
    if (waiter == FutureKind::Gathering) {
        auto children = reader_.attribute(task.waiter, "_children").value_or(std::nullopt);
        auto listed =
            children ? reader_.sequence_items(*children, kMaxTasks) : Result<std::vector<uint64_t>>();
        task.awaiting = tasks_in(listed);
        task.awaits = fmt::format("gather of {} tasks", task.awaiting.size());
        return;
    }
    if (innermost && in_asyncio(*innermost, "taskgroups.py")) {
        auto group = frame_local(*innermost, "self");
        auto members = group ? reader_.attribute(*group, "_tasks").value_or(std::nullopt) : std::nullopt;
        task.awaiting =
            tasks_in(members ? reader_.set_items(*members, kMaxTasks) : Result<std::vector<uint64_t>>());
        task.awaits = fmt::format("TaskGroup of {} tasks", task.awaiting.size());
        return;
    }
    if (innermost && in_asyncio(*innermost, "tasks.py") && innermost->function == "sleep") {
        task.awaits = sleep_text(*innermost);
        return;
    }
    if (innermost && (in_asyncio(*innermost, "locks.py") || in_asyncio(*innermost, "queues.py"))) {
        // "Event 0x7f.. (wait)": the primitive, then what the task does with it.
        auto self = frame_local(*innermost, "self");
        auto dot = innermost->qualname.rfind('.');
        std::string primitive =
            dot == std::string::npos ? innermost->qualname : innermost->qualname.substr(0, dot);
        task.awaits =
            self ? fmt::format("{} {:#x} ({})", primitive, *self, innermost->function) : innermost->qualname;
        return;
    }
    if (task.waiter) {
        task.awaits = fmt::format("future {:#x}", task.waiter);
        return;
    }
    task.awaits = task.current ? "running" : "ready to run";
}

const char* state_name(int state) {
    switch (static_cast<FutureState>(state)) {
        case FutureState::Pending:
            return "pending";
        case FutureState::Cancelled:
            return "cancelled";
        case FutureState::Finished:
            return "done";
    }
    return "unknown";
}

AsyncTask TaskReader::read(uint64_t address, const Registry& registry) {
    AsyncTask task;
    task.address = address;
    task.interpreter_id = registry.interpreter_id;
    FutureKind kind = kind_of(address);
    task.type = reader_.type_name(address).value_or("?");
    task.name = task_name(address, kind);
    uint64_t loop = 0, coro = 0;
    if (kind == FutureKind::CTask) {
        loop = read_pointer(memory_, address + aio_.fut_loop).value_or(0);
        coro = coroutine_of(address, kind);
        task.waiter = read_pointer(memory_, address + aio_.task_fut_waiter).value_or(0);
        auto state = read_value<int32_t>(memory_, address + aio_.fut_state);
        task.state = state ? state_name(*state) : "unknown";
    } else {
        auto attribute = [&](std::string_view name) {
            return reader_.attribute(address, name).value_or(std::nullopt).value_or(0);
        };
        loop = attribute("_loop");
        coro = coroutine_of(address, kind);
        task.waiter = attribute("_fut_waiter");
        if (task.waiter && reader_.type_name(task.waiter).value_or("") == "NoneType") task.waiter = 0;
        // Future._state is a class attribute, PENDING, until the future changes state.
        uint64_t state_object = attribute("_state");
        auto state = state_object ? reader_.str_value(state_object, 16).value_or("") : "PENDING";
        task.state = state == "PENDING"     ? "pending"
                     : state == "CANCELLED" ? "cancelled"
                     : state == "FINISHED"  ? "done"
                                            : "unknown";
    }
    if (task.state == "unknown") task.notes.push_back("its state is unreadable");
    if (loop) {
        LoopThread thread = loop_thread(loop, registry);
        task.thread = thread.tid;
        task.thread_name = thread.name;
    }
    if (kind == FutureKind::CTask && aio_.fut_awaited_by) task.awaited_by = awaiters(address);
    auto current = registry.current_by_loop.find(loop);
    task.current = current != registry.current_by_loop.end() && current->second == address;
    if (task.current && task.state == "pending") task.state = "running";
    if (task.state == "running") {
        task.coroutine = running_frames(task, coro);
        if (task.coroutine.empty()) task.notes.push_back("its coroutine's frame is on no thread's stack");
    }
    if (task.coroutine.empty() && task.state != "done" && task.state != "cancelled")
        task.coroutine = coroutine_chain(coro, task.notes);
    describe_wait(task);
    return task;
}

// 3.14+: who awaits the task, as it records them (fut_awaited_by: one object, or a set of them
// when fut_awaited_by_is_set); link() turns them into edges.
std::vector<uint64_t> TaskReader::awaiters(uint64_t task) {
    uint64_t awaited_by = read_pointer(memory_, task + *aio_.fut_awaited_by).value_or(0);
    if (awaited_by == 0) return {};
    if (read_value<uint8_t>(memory_, task + *aio_.fut_awaited_by_is_set).value_or(0) == 0)
        return {awaited_by};
    return reader_.set_items(awaited_by, kMaxTasks).value_or(std::vector<uint64_t>{});
}

// Edges between tasks only, the reverse edges, and the waits named after the awaited task.
// Awaiters a task records itself (3.14+) are edges from them to it.
void TaskReader::link(std::vector<AsyncTask>& tasks) {
    std::unordered_map<uint64_t, AsyncTask*> by_address;
    for (auto& task : tasks) by_address[task.address] = &task;
    for (auto& task : tasks) {
        for (uint64_t awaiter : task.awaited_by)
            if (by_address.contains(awaiter)) by_address[awaiter]->awaiting.push_back(task.address);
        task.awaited_by.clear();
    }
    for (auto& task : tasks) {
        // A gather's children stay in argument order; a TaskGroup's set has none: by name.
        std::unordered_set<uint64_t> listed;
        std::erase_if(task.awaiting, [&](uint64_t other) {
            return !by_address.contains(other) || !listed.insert(other).second;
        });
        if (task.awaits.starts_with("TaskGroup"))
            std::sort(task.awaiting.begin(), task.awaiting.end(), [&](uint64_t a, uint64_t b) {
                return std::tie(by_address[a]->name, a) < std::tie(by_address[b]->name, b);
            });
        for (uint64_t other : task.awaiting) by_address[other]->awaited_by.push_back(task.address);
        if (task.awaits == "task")
            task.awaits = task.awaiting.empty() ? fmt::format("task {:#x}", task.waiter)
                                                : fmt::format("task \"{}\"", by_address[task.waiter]->name);
    }
}

// 3.14+: the registries are the thread states' task lists, which the target's `.AsyncioDebug`
// section describes; `aio` takes the section's task layout. No section: asyncio never imported.
Result<std::vector<Registry>> registries_from_task_lists(
    const Memory& memory, const Offsets& offsets, const RuntimeInfo& runtime, const PythonVersion& version,
    const AsyncioDebugLocator& locate_section, AsyncioOffsets& aio, std::vector<std::string>& notes) {
    auto where = locate_section ? locate_section() : std::nullopt;
    if (!where) {
        notes.push_back(
            "asyncio is not imported: no module (_asyncio, the executable, libpython) has an .AsyncioDebug "
            "section; there are no tasks");
        return std::vector<Registry>{};
    }
    std::optional<VersionedDebugTable> table;
    if (auto read = read_versioned_debug_table(memory, runtime.runtime_address, version)) table = *read;
    PYXRAY_TRY(section, read_asyncio_debug(memory, *where, offsets, table));
    aio = asyncio_offsets_from_target(aio, section, offsets, table, notes);
    std::vector<Registry> out;
    size_t not_tasks = 0;
    for (ListedTasks& lists : walk_task_lists(memory, offsets, runtime.runtime_address, section, notes)) {
        Registry registry;
        registry.interpreter_id = lists.interpreter_id;
        registry.current_by_loop = std::move(lists.current_by_loop);
        registry.thread_by_loop = std::move(lists.thread_by_loop);
        for (uint64_t task : lists.tasks) {
            // Only tasks are linked into the lists, and each has fut_is_task set.
            if (read_value<uint8_t>(memory, task + *aio.fut_is_task).value_or(0) == 1)
                registry.tasks.push_back(task);
            else
                ++not_tasks;
        }
        out.push_back(std::move(registry));
    }
    if (not_tasks)
        notes.push_back(
            fmt::format("{} entries of the task lists are no tasks (fut_is_task is not 1: freed, or "
                        "the {} section does not fit them) and are left out",
                        not_tasks, ".AsyncioDebug"));
    return out;
}

}  // namespace

std::vector<std::vector<uint64_t>> find_cycles(
    const std::vector<std::pair<uint64_t, std::vector<uint64_t>>>& graph) {
    std::unordered_map<uint64_t, const std::vector<uint64_t>*> edges;
    for (const auto& [node, targets] : graph) edges[node] = &targets;
    std::set<std::vector<uint64_t>> found;
    std::unordered_map<uint64_t, int> color;  // 0 new, 1 on the path, 2 done
    std::vector<uint64_t> path;
    // Iterative depth-first search: each back edge closes one cycle, the path's tail from
    // the node it reaches.
    for (const auto& [root, ignored] : graph) {
        if (color[root] != 0) continue;
        std::vector<std::pair<uint64_t, size_t>> stack{{root, 0}};
        color[root] = 1;
        path.push_back(root);
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            const auto* targets = edges.contains(node) ? edges[node] : nullptr;
            if (!targets || next >= targets->size()) {
                color[node] = 2;
                path.pop_back();
                stack.pop_back();
                continue;
            }
            uint64_t target = (*targets)[next++];
            if (color[target] == 1) {
                auto start = std::find(path.begin(), path.end(), target);
                std::vector<uint64_t> cycle(start, path.end());
                std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
                found.insert(std::move(cycle));
            } else if (color[target] == 0 && edges.contains(target)) {
                color[target] = 1;
                path.push_back(target);
                stack.emplace_back(target, 0);
            }
        }
    }
    return {found.begin(), found.end()};
}

Result<std::vector<RunningTask>> current_tasks(const Memory& memory, const Offsets& offsets,
                                               const Snapshot& threads,
                                               const AsyncioDebugLocator& locate_section) {
    auto version = PythonVersion::from_hex(threads.runtime.version_hex);
    PYXRAY_TRY(aio, asyncio_offsets_for(version, threads.runtime.free_threaded ? BuildKind::FreeThreaded
                                                                               : BuildKind::Default));
    if (version.major == 3 && version.minor >= 14) {  // the current task is in each thread state
        std::vector<std::string> notes;
        PYXRAY_TRY(lists, registries_from_task_lists(memory, offsets, threads.runtime, version,
                                                     locate_section, aio, notes));
        return TaskReader(memory, offsets, aio, threads).running(lists);
    }
    TaskReader reader(memory, offsets, aio, threads);
    return reader.running(reader.current_registries(threads.runtime.runtime_address));
}

Result<TasksReport> read_tasks(const Memory& memory, const Offsets& offsets, const Snapshot& threads,
                               const AsyncioDebugLocator& locate_section) {
    auto version = PythonVersion::from_hex(threads.runtime.version_hex);
    PYXRAY_TRY(aio, asyncio_offsets_for(version, threads.runtime.free_threaded ? BuildKind::FreeThreaded
                                                                               : BuildKind::Default));
    TasksReport report{threads.target, threads.runtime, {}, {}, {}};
    std::optional<std::vector<Registry>> listed;
    if (version.major == 3 && version.minor >= 14) {
        PYXRAY_TRY(lists, registries_from_task_lists(memory, offsets, threads.runtime, version,
                                                     locate_section, aio, report.notes));
        listed = std::move(lists);
    }
    TaskReader reader(memory, offsets, aio, threads);
    auto registries =
        listed ? std::move(*listed) : reader.registries(threads.runtime.runtime_address, report.notes);
    if (registries.empty() && !listed) report.notes.push_back("asyncio is not imported: there are no tasks");
    std::unordered_set<uint64_t> seen;
    for (const Registry& registry : registries)
        for (uint64_t task : registry.tasks)
            if (seen.insert(task).second) report.tasks.push_back(reader.read(task, registry));
    reader.link(report.tasks);
    std::sort(report.tasks.begin(), report.tasks.end(), [](const AsyncTask& a, const AsyncTask& b) {
        return std::tie(a.interpreter_id, a.thread, a.name, a.address) <
               std::tie(b.interpreter_id, b.thread, b.name, b.address);
    });
    std::vector<std::pair<uint64_t, std::vector<uint64_t>>> graph;
    for (const auto& task : report.tasks) graph.emplace_back(task.address, task.awaiting);
    report.cycles = find_cycles(graph);
    return report;
}

}  // namespace pyxray

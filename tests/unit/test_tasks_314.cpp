// py-tasks on synthetic CPython 3.14+ images (no 3.14/3.15 interpreter on this machine): tasks
// in each thread state's list and in the interpreter's, described by an `.AsyncioDebug` section
// read from the image; the running task; awaiters recorded in the task (one, or a set); coroutine
// chains read from the frames' stack pointers (3.15: renumbered frame states, a NULL above the
// awaited object); and damaged lists and sections.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "asyncio/task_lists_314.hpp"
#include "asyncio/task_marks.hpp"
#include "asyncio/task_registry.hpp"
#include "layout/asyncio_mirrors.hpp"
#include "layout/asyncio_offsets.hpp"
#include "layout/debug_offsets_314.hpp"
#include "object_image.hpp"
#include "symbols/elf_symbols.hpp"
#include "synthetic_python.hpp"

namespace {

using pyxray::AsyncioOffsets;
using pyxray::BuildKind;
using pyxray::Offsets;
using pyxray::PythonVersion;
using pyxray::Snapshot;
using pyxray::TasksReport;
using pyxray::mirror::AsyncioDebugOffsets;
using pyxray::testing::SyntheticPython;
using synthetic::ObjectImage;

struct Variant {
    const char* name;
    uint32_t hex;
    const Offsets& (*offsets)();
    BuildKind kind;
    int minor() const { return PythonVersion::from_hex(hex).minor; }
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

const Variant kVariants[] = {
    {"3.14", 0x030e00f0, pyxray::offsets_3_14, BuildKind::Default},
    {"3.14t", 0x030e00f0, pyxray::offsets_3_14t, BuildKind::FreeThreaded},
    {"3.15", 0x030f00a1, pyxray::offsets_3_15, BuildKind::Default},
    {"3.15t", 0x030f00a1, pyxray::offsets_3_15t, BuildKind::FreeThreaded},
};

// _PyThreadStateImpl as the image lays it out: PyThreadState's 256 bytes, then asyncio's fields.
constexpr uint64_t kThreadBase = 256, kRunningLoop = 264, kRunningTask = 272, kThreadTasks = 288,
                   kThreadImpl = 320, kInterpreterSize = 8192;
constexpr uint64_t kStackPointer = offsetof(pyxray::mirror::asyncio::InterpreterFrame314, stackpointer);
constexpr uint64_t kUnreadable = 0xdead0000;

AsyncioOffsets compiled(const Variant& v) {
    return *pyxray::asyncio_offsets_for(PythonVersion::from_hex(v.hex), v.kind);
}

// The section a build laid out like pyxray's compiled-in TaskObj would carry.
AsyncioDebugOffsets section_for(const Variant& v) {
    AsyncioOffsets a = compiled(v);
    AsyncioDebugOffsets s{};
    s.asyncio_task_object = {
        a.task_size, a.task_name, *a.fut_awaited_by, *a.fut_is_task, *a.fut_awaited_by_is_set,
        a.task_coro, *a.task_node};
    s.asyncio_interpreter_state = {kInterpreterSize, v.offsets().interpreter_state.threads_head - 32};
    s.asyncio_thread_state = {kThreadImpl, kRunningLoop, kRunningTask, kThreadTasks};
    return s;
}

// Where the image puts a coroutine's fields; the runtime's _Py_DebugOffsets.gen_object says so.
// 3.15's is moved (its development texts insert fields before the frame state): read, not assumed.
pyxray::VersionedDebugTable::Generator gen_for(const Variant& v) {
    auto c = compiled(v).coroutine;
    uint64_t shift = v.minor() >= 15 ? 16 : 0;
    uint64_t iframe = *c.gi_iframe + shift;
    return {iframe + 80 + 64, c.gi_qualname - 8, iframe, *c.gi_frame_state + shift / 2};
}

// AwaitingLocked: 3.15's FRAME_SUSPENDED_YIELD_FROM_LOCKED (free-threaded, an await being
// resumed); plain SUSPENDED_YIELD_FROM before 3.15.
enum class Co { Suspended, Awaiting, AwaitingLocked, Executing };

class TaskImage {
public:
    explicit TaskImage(const Variant& v)
        : v_(v), o_(v.offsets()), py_(o_), objects_(o_), section_(section_for(v)), gen_(gen_for(v)) {
        task_type_ = objects_.type_object("_asyncio.Task");
        coroutine_type_ = objects_.type_object("coroutine");
        future_type_ = objects_.type_object("_asyncio.Future");
        loop_type_ = objects_.type_object("_UnixSelectorEventLoop");
        interp_ = py_.get64(py_.runtime() + o_.runtime_state.interpreters_head);
        list(interpreter_list(), {});  // CPython initialises it with the interpreter
    }

    const Offsets& offsets() const { return o_; }
    AsyncioDebugOffsets& section() { return section_; }
    uint64_t task_type() const { return task_type_; }
    uint64_t subclass(const std::string& name) { return objects_.type_object(name, 0, 16, task_type_); }
    uint64_t loop() { return objects_.object(loop_type_, 64); }
    uint64_t future() { return objects_.object(future_type_, 128); }
    uint64_t object_of(const std::string& type) { return objects_.object(objects_.type_object(type), 64); }
    uint64_t str(const std::string& text) { return objects_.str(text); }
    uint64_t number(int64_t value) { return objects_.small_int(value); }
    void set_interpreter_id(int64_t id) { py_.put64(interp_ + o_.interpreter_state.id, id); }

    uint64_t code(const std::string& qualname, int line) {
        return py_.make_code(qualname, qualname, "/srv/app.py", line);
    }

    // A coroutine stopped at `unit` of `code`; an awaiting one has `awaited` on its stack.
    uint64_t coroutine(const std::string& qualname, uint64_t code, int unit, Co state, uint64_t awaited = 0) {
        uint64_t coro = objects_.object(coroutine_type_, gen_.size + 64);
        uint64_t frame = coro + gen_.gi_iframe;
        objects_.put<uint64_t>(coro + gen_.gi_name, str(qualname.substr(qualname.rfind('.') + 1)));
        objects_.put<uint64_t>(coro + gen_.gi_name + 8, str(qualname));
        objects_.put<int8_t>(coro + gen_.gi_frame_state, frame_state(state));
        objects_.put<uint64_t>(frame + o_.interpreter_frame.executable, code);
        objects_.put<uint64_t>(frame + o_.interpreter_frame.instr_ptr,
                               code + o_.code_object.co_code_adaptive + 2 * unit);
        objects_.put<uint8_t>(frame + o_.interpreter_frame.owner, o_.interpreter_frame.owners.generator);
        uint64_t slot = frame + o_.frame_variables.localsplus;
        objects_.put<uint64_t>(slot, str("a local"));  // below the stack: never the awaited object
        slot += 8;
        if (state == Co::Awaiting || state == Co::AwaitingLocked) {
            objects_.put<uint64_t>(slot, awaited | 1);  // a _PyStackRef: tagged
            slot += 8;
            if (v_.minor() >= 15) slot += 8;  // _SEND_GEN_FRAME's NULL above it
        }
        objects_.put<uint64_t>(frame + kStackPointer, slot);
        return coro;
    }

    struct TaskFields {
        uint64_t type, name, loop, coro, waiter = 0;
    };
    uint64_t task(const TaskFields& f) {
        const auto& t = section_.asyncio_task_object;
        uint64_t task = objects_.object(f.type, t.size);
        objects_.put<uint64_t>(task + o_.pyobject.ob_type + 8, f.loop);  // fut_loop, right after the header
        objects_.put<int32_t>(task + t.task_is_task - 4, 0);             // fut_state: pending
        objects_.put<uint8_t>(task + t.task_is_task, 1);
        objects_.put<uint64_t>(task + t.task_coro, f.coro);
        objects_.put<uint64_t>(task + t.task_coro - 8, f.waiter);  // task_fut_waiter
        objects_.put<uint64_t>(task + t.task_name, f.name);
        return task;
    }

    // fut_awaited_by: the one awaiter itself, or a set of them.
    void awaited_by(uint64_t task, const std::vector<uint64_t>& awaiters) {
        const auto& t = section_.asyncio_task_object;
        bool is_set = awaiters.size() > 1;
        objects_.put<uint64_t>(task + t.task_awaited_by, is_set ? set(awaiters) : awaiters.front());
        objects_.put<uint8_t>(task + t.task_awaited_by_is_set, is_set);
    }

    uint64_t thread(int64_t tid, uint64_t running_loop = 0, uint64_t running_task = 0) {
        uint64_t tstate = py_.add_thread(tid, 0);
        py_.put64(tstate + kRunningLoop, running_loop);
        py_.put64(tstate + kRunningTask, running_task);
        list(thread_list(tstate), {});
        return tstate;
    }
    uint64_t thread_list(uint64_t tstate) const { return tstate + kThreadTasks; }
    uint64_t interpreter_list() const {
        return interp_ + section_.asyncio_interpreter_state.asyncio_tasks_head;
    }

    // A circular llist through the tasks' task_node, `head` its sentinel.
    void list(uint64_t head, const std::vector<uint64_t>& tasks) {
        std::vector<uint64_t> nodes{head};
        for (uint64_t task : tasks) nodes.push_back(node(task));
        for (size_t i = 0; i < nodes.size(); ++i) {
            put64(nodes[i], nodes[(i + 1) % nodes.size()]);
            put64(nodes[i] + 8, nodes[(i + nodes.size() - 1) % nodes.size()]);
        }
    }
    uint64_t node(uint64_t task) const { return task + section_.asyncio_task_object.task_node; }
    void put64(uint64_t address, uint64_t value) {
        if (address >= ObjectImage::kBase)
            objects_.put<uint64_t>(address, value);
        else
            py_.put64(address, value);
    }

    std::unique_ptr<pyxray::BufferMemory> memory() {
        put_debug_table();
        auto memory = py_.memory();
        objects_.add_to(*memory);
        memory->add(kSectionAddress, &section_, sizeof(section_));
        return memory;
    }

    Snapshot snapshot(std::vector<pyxray::ThreadStack> threads = {}) const {
        Snapshot snapshot;
        snapshot.target.kind = pyxray::TargetKind::Core;
        snapshot.runtime.runtime_address = py_.runtime();
        snapshot.runtime.version_hex = v_.hex;
        snapshot.runtime.version = v_.name;
        snapshot.runtime.free_threaded = v_.kind == BuildKind::FreeThreaded;
        snapshot.threads = std::move(threads);
        return snapshot;
    }

    pyxray::Result<TasksReport> read(const Snapshot& snapshot, bool with_section = true) {
        auto memory = this->memory();
        return pyxray::read_tasks(*memory, o_, snapshot, locator(with_section));
    }

    // The running tasks py-xbt marks, read as every snapshot reads them.
    pyxray::Result<std::vector<pyxray::RunningTask>> current(const Snapshot& snapshot) {
        auto memory = this->memory();
        return pyxray::current_tasks(*memory, o_, snapshot, locator(true));
    }

    pyxray::AsyncioDebugLocator locator(bool with_section) const {
        return [with_section]() -> std::optional<pyxray::AsyncioDebugLocation> {
            if (!with_section) return std::nullopt;
            return pyxray::AsyncioDebugLocation{kSectionAddress, "_asyncio.cpython-314-x86_64-linux-gnu.so"};
        };
    }

    static constexpr uint64_t kSectionAddress = 0x5a0000;

private:
    int8_t frame_state(Co state) const {
        bool renumbered = v_.minor() >= 15;  // CREATED 0, SUSPENDED 1, SUSPENDED_YIELD_FROM 2, EXECUTING 4
        switch (state) {
            case Co::Suspended:
                return renumbered ? 1 : -2;
            case Co::Awaiting:
                return renumbered ? 2 : -1;
            case Co::AwaitingLocked:
                return renumbered ? 3 : -1;
            case Co::Executing:
                return renumbered ? 4 : 0;
        }
        return 0;
    }

    uint64_t set(const std::vector<uint64_t>& keys) {
        const auto& s = o_.objects.set_object;
        uint64_t object = objects_.object(objects_.builtin("set"), s.table + 64);
        uint64_t table = objects_.alloc(8 * s.entry_size);
        for (size_t i = 0; i < keys.size(); ++i) {
            objects_.put<uint64_t>(table + 2 * i * s.entry_size + s.entry_key, keys[i]);
            objects_.put<int64_t>(table + 2 * i * s.entry_size + s.entry_hash, static_cast<int64_t>(i) + 7);
        }
        objects_.put<int64_t>(object + s.used, static_cast<int64_t>(keys.size()));
        objects_.put<uint64_t>(object + s.mask, 7);
        objects_.put<uint64_t>(object + s.table, table);
        return object;
    }

    template <class Table>
    void put_table() {
        Table t{};
        std::memcpy(t.cookie, pyxray::kDebugCookie, sizeof(t.cookie));
        t.version = v_.hex;
        t.free_threaded = v_.kind == BuildKind::FreeThreaded;
        t.runtime_state = {4096, 0, o_.runtime_state.interpreters_head};
        t.interpreter_state.size = kInterpreterSize;
        t.interpreter_state.id = o_.interpreter_state.id;
        t.interpreter_state.next = o_.interpreter_state.next;
        t.interpreter_state.threads_head = o_.interpreter_state.threads_head;
        t.thread_state.size = kThreadBase;
        t.thread_state.next = o_.thread_state.next;
        t.thread_state.native_thread_id = o_.thread_state.native_thread_id;
        t.interpreter_frame.size = o_.interpreter_frame.size;
        t.interpreter_frame.localsplus = o_.frame_variables.localsplus;
        t.interpreter_frame.stackpointer = kStackPointer;
        t.gen_object = {gen_.size, gen_.gi_name, gen_.gi_iframe, gen_.gi_frame_state};
        ASSERT_LE(sizeof(t), o_.runtime_state.interpreters_head);
        py_.put_bytes(py_.runtime(), &t, sizeof(t));
    }
    void put_debug_table() {
        if (v_.minor() == 14)
            put_table<pyxray::mirror::DebugOffsets314>();
        else
            put_table<pyxray::mirror::DebugOffsets315>();
    }

    const Variant& v_;
    const Offsets& o_;
    SyntheticPython py_;
    ObjectImage objects_;
    AsyncioDebugOffsets section_;
    pyxray::VersionedDebugTable::Generator gen_;
    uint64_t task_type_ = 0, coroutine_type_ = 0, future_type_ = 0, loop_type_ = 0, interp_ = 0;
};

// One line per task, addresses named: what the report says of it.
std::vector<std::string> summary(const TasksReport& report) {
    std::map<uint64_t, std::string> names;
    for (const auto& task : report.tasks) names[task.address] = task.name;
    auto named = [&](std::vector<uint64_t> addresses) {
        std::vector<std::string> out;
        for (uint64_t a : addresses) out.push_back(names.contains(a) ? names[a] : fmt::format("{:#x}", a));
        std::sort(out.begin(), out.end());
        return fmt::format("[{}]", fmt::join(out, " "));
    };
    std::vector<std::string> lines;
    for (const auto& task : report.tasks) {
        std::vector<std::string> frames;
        for (const auto& frame : task.coroutine)
            frames.push_back(fmt::format("{}:{}", frame.qualname, frame.line));
        lines.push_back(
            fmt::format("{} {} {} thread={} interp={} current={} coro=[{}] awaits={} awaiting={} "
                        "awaited_by={}{}",
                        task.name, task.type, task.state, task.thread ? std::to_string(*task.thread) : "-",
                        task.interpreter_id, task.current, fmt::join(frames, " "), task.awaits,
                        named(task.awaiting), named(task.awaited_by),
                        task.notes.empty() ? "" : fmt::format(" notes={}", fmt::join(task.notes, "; "))));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

pyxray::ThreadStack python_thread(int64_t tid, std::vector<pyxray::PyFrame> frames) {
    pyxray::ThreadStack thread;
    thread.tid = tid;
    thread.python = true;
    for (auto& frame : frames) {
        pyxray::StackFrame stack_frame;
        stack_frame.kind = pyxray::StackFrame::Kind::Python;
        stack_frame.python = std::move(frame);
        thread.frames.push_back(std::move(stack_frame));
    }
    return thread;
}

class Tasks314 : public ::testing::TestWithParam<Variant> {};

INSTANTIATE_TEST_SUITE_P(Versions, Tasks314, ::testing::ValuesIn(kVariants), [](const auto& info) {
    std::string name = std::string("v") + info.param.name;
    std::replace(name.begin(), name.end(), '.', '_');
    return name;
});

// Thread 101 runs loop A, now stepping "main"; thread 102 runs loop B, idle; the interpreter's
// list keeps a task of a thread that is gone, whose loop no thread runs.
TEST_P(Tasks314, EveryListedTaskWithItsChainAwaitersAndThread) {
    TaskImage image(GetParam());
    image.set_interpreter_id(2);
    uint64_t loop_a = image.loop(), loop_b = image.loop(), loop_gone = image.loop();
    uint64_t type = image.task_type();
    uint64_t future = image.future(), other_future = image.future();

    uint64_t main_coro = image.coroutine("main", image.code("main", 20), 3, Co::Executing);
    uint64_t main = image.task({type, image.str("main"), loop_a, main_coro});
    // child awaits helper awaits leaf awaits a future: a chain of three coroutines.
    uint64_t leaf = image.coroutine("Conn.leaf", image.code("Conn.leaf", 40), 2, Co::Awaiting, future);
    uint64_t helper = image.coroutine("helper", image.code("helper", 50), 4, Co::AwaitingLocked, leaf);
    uint64_t child_coro = image.coroutine("child", image.code("child", 60), 1, Co::Awaiting, helper);
    uint64_t child = image.task({type, image.str("child"), loop_a, child_coro, future});
    uint64_t parent_coro = image.coroutine("parent", image.code("parent", 70), 5, Co::Awaiting,
                                           image.object_of("_asyncio.FutureIter"));
    uint64_t parent = image.task({type, image.str("parent"), loop_a, parent_coro, child});
    uint64_t shared = image.task({type, image.str("shared"), loop_a,
                                  image.coroutine("shared", image.code("shared", 80), 6, Co::Suspended)});
    uint64_t supervisor = image.task(
        {type, image.str("supervisor"), loop_a,
         image.coroutine("supervisor", image.code("supervisor", 90), 7, Co::Suspended), other_future});
    image.awaited_by(child, {parent});
    image.awaited_by(shared, {parent, supervisor});
    uint64_t cycle_a = image.task(
        {type, image.str("cyc-a"), loop_a, image.coroutine("cyc", image.code("cyc", 100), 1, Co::Suspended)});
    uint64_t cycle_b =
        image.task({type, image.str("cyc-b"), loop_a,
                    image.coroutine("cyc", image.code("cyc", 100), 1, Co::Suspended), cycle_a});
    image.put64(cycle_a + image.section().asyncio_task_object.task_coro - 8, cycle_b);
    uint64_t sub = image.task({image.subclass("app.MyTask"), image.str("sub"), loop_b,
                               image.coroutine("sub", image.code("sub", 110), 2, Co::Suspended)});
    uint64_t orphan = image.task({type, image.number(7), loop_gone,
                                  image.coroutine("orphan", image.code("orphan", 120), 3, Co::Suspended)});

    uint64_t first = image.thread(101, loop_a, main);
    image.list(image.thread_list(first), {main, parent, child, shared, supervisor, cycle_a, cycle_b});
    uint64_t second = image.thread(102, loop_b);
    image.list(image.thread_list(second), {sub});
    image.list(image.interpreter_list(), {orphan});
    // main's live frames: a plain call inside it, then its coroutine's own frame.
    pyxray::PyFrame inner{"fetch", "fetch", "/srv/app.py", 13, 0x1000, 0};
    pyxray::PyFrame main_frame{"main", "main", "/srv/app.py", 23, main_coro + gen_for(GetParam()).gi_iframe,
                               0};
    auto snapshot = image.snapshot({python_thread(101, {inner, main_frame}), python_thread(102, {})});
    auto report = image.read(snapshot);
    ASSERT_TRUE(report) << report.error().message;
    // py-xbt's marks: the thread state's running task, on the frames from its coroutine's up.
    auto running = image.current(snapshot);
    ASSERT_TRUE(running) << running.error().message;
    ASSERT_EQ(running->size(), 1u);
    EXPECT_EQ((*running)[0].name, "main");
    EXPECT_EQ((*running)[0].address, main);
    EXPECT_EQ((*running)[0].thread, std::optional<int64_t>(101));
    EXPECT_EQ((*running)[0].coroutine_frame, main_frame.frame_address);
    pyxray::mark_running_tasks(snapshot, *running);
    for (const auto& frame : snapshot.threads[0].frames) {
        ASSERT_TRUE(frame.python.task) << frame.python.function;
        EXPECT_EQ(frame.python.task->name, "main");
    }

    std::string future_text = fmt::format("future {:#x}", future),
                other_text = fmt::format("future {:#x}", other_future);
    std::vector<std::string> expected = {
        "Task-7 _asyncio.Task pending thread=- interp=2 current=false coro=[orphan:123] awaits=ready to run "
        "awaiting=[] awaited_by=[]",
        fmt::format(
            "child _asyncio.Task pending thread=101 interp=2 current=false coro=[Conn.leaf:42 helper:54 "
            "child:61] awaits={} awaiting=[] awaited_by=[parent]",
            future_text),
        "cyc-a _asyncio.Task pending thread=101 interp=2 current=false coro=[cyc:101] awaits=task \"cyc-b\" "
        "awaiting=[cyc-b] awaited_by=[cyc-b]",
        "cyc-b _asyncio.Task pending thread=101 interp=2 current=false coro=[cyc:101] awaits=task \"cyc-a\" "
        "awaiting=[cyc-a] awaited_by=[cyc-a]",
        "main _asyncio.Task running thread=101 interp=2 current=true coro=[fetch:13 main:23] awaits=running "
        "awaiting=[] awaited_by=[]",
        "parent _asyncio.Task pending thread=101 interp=2 current=false coro=[parent:75] awaits=task "
        "\"child\" "
        "awaiting=[child shared] awaited_by=[]",
        "shared _asyncio.Task pending thread=101 interp=2 current=false coro=[shared:86] awaits=ready to run "
        "awaiting=[] awaited_by=[parent supervisor]",
        "sub app.MyTask pending thread=102 interp=2 current=false coro=[sub:112] awaits=ready to run "
        "awaiting=[] "
        "awaited_by=[]",
        fmt::format("supervisor _asyncio.Task pending thread=101 interp=2 current=false coro=[supervisor:97] "
                    "awaits={} awaiting=[shared] awaited_by=[]",
                    other_text),
    };
    EXPECT_EQ(summary(*report), expected);
    ASSERT_EQ(report->cycles.size(), 1u);
    EXPECT_EQ(report->cycles[0],
              (std::vector<uint64_t>{std::min(cycle_a, cycle_b), std::max(cycle_a, cycle_b)}));
    // The section and the runtime table agree with pyxray's own layouts: nothing to say.
    EXPECT_EQ(report->notes, std::vector<std::string>{}) << fmt::format("{}", fmt::join(report->notes, "\n"));
}

// A later patch release moved TaskObj's fields (16 bytes more before fut_awaited_by): the
// section says where, and it is what is read.
TEST_P(Tasks314, TheSectionsOffsetsWinOverCompiledOnes) {
    TaskImage image(GetParam());
    auto& t = image.section().asyncio_task_object;
    t.size += 16;
    for (uint64_t* field : {&t.task_name, &t.task_awaited_by, &t.task_is_task, &t.task_awaited_by_is_set,
                            &t.task_coro, &t.task_node})
        *field += 16;
    uint64_t loop = image.loop();
    uint64_t waiter = image.task({image.task_type(), image.str("waiter"), loop,
                                  image.coroutine("w", image.code("w", 10), 1, Co::Suspended)});
    uint64_t awaited = image.task({image.task_type(), image.str("awaited"), loop,
                                   image.coroutine("a", image.code("a", 30), 2, Co::Suspended)});
    image.awaited_by(awaited, {waiter});
    image.list(image.thread_list(image.thread(7, loop)), {waiter, awaited});
    auto report = image.read(image.snapshot());
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(
        summary(*report),
        (std::vector<std::string>{"awaited _asyncio.Task pending thread=7 interp=0 current=false coro=[a:32] "
                                  "awaits=ready to run awaiting=[] awaited_by=[waiter]",
                                  "waiter _asyncio.Task pending thread=7 interp=0 current=false coro=[w:11] "
                                  "awaits=ready to run awaiting=[awaited] awaited_by=[]"}));
    ASSERT_EQ(report->notes.size(), 1u);
    EXPECT_NE(report->notes[0].find("places TaskObj's fields otherwise than pyxray's table"),
              std::string::npos)
        << report->notes[0];
}

TEST_P(Tasks314, ALoopingListIsCutWithANote) {
    TaskImage image(GetParam());
    uint64_t loop = image.loop();
    std::vector<uint64_t> tasks;
    for (const char* name : {"one", "two", "three"})
        tasks.push_back(image.task({image.task_type(), image.str(name), loop,
                                    image.coroutine(name, image.code(name, 10), 1, Co::Suspended)}));
    uint64_t tstate = image.thread(5, loop);
    image.list(image.thread_list(tstate), tasks);
    image.put64(image.node(tasks[2]), image.node(tasks[1]));  // three -> two, never back to the head
    auto report = image.read(image.snapshot());
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_EQ(report->tasks.size(), 3u);
    EXPECT_EQ(report->notes,
              (std::vector<std::string>{fmt::format(
                  "the task list of thread 5 (interpreter 0) loops back to {:#x} after 3 tasks: the "
                  "rest is not listed",
                  image.node(tasks[1]))}));
}

TEST_P(Tasks314, ANodeInUnreadableMemoryEndsTheListWithANote) {
    TaskImage image(GetParam());
    uint64_t loop = image.loop();
    uint64_t only = image.task({image.task_type(), image.str("only"), loop,
                                image.coroutine("only", image.code("only", 10), 1, Co::Suspended)});
    image.list(image.interpreter_list(), {only});
    image.put64(image.node(only), kUnreadable);
    auto report = image.read(image.snapshot());
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_EQ(report->tasks.size(), 1u);
    EXPECT_EQ(report->tasks[0].name, "only");
    EXPECT_FALSE(report->tasks[0].thread.has_value());
    EXPECT_EQ(report->notes,
              (std::vector<std::string>{fmt::format(
                  "the task list of interpreter 0 (tasks of finished threads) has an unreadable node at "
                  "{:#x} after 1 tasks: the rest is not listed",
                  kUnreadable)}));
}

TEST_P(Tasks314, AnEntryThatIsNoTaskIsLeftOutWithANote) {
    TaskImage image(GetParam());
    uint64_t loop = image.loop();
    uint64_t real = image.task({image.task_type(), image.str("real"), loop,
                                image.coroutine("real", image.code("real", 10), 1, Co::Suspended)});
    uint64_t freed = image.task({image.task_type(), image.str("freed"), loop, 0});
    image.list(image.thread_list(image.thread(9, loop)), {real, freed});
    uint64_t is_task = freed + image.section().asyncio_task_object.task_is_task;
    image.put64(is_task & ~uint64_t{7}, 0);  // the word holding fut_state and fut_is_task
    auto report = image.read(image.snapshot());
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_EQ(report->tasks.size(), 1u);
    EXPECT_EQ(report->tasks[0].name, "real");
    ASSERT_EQ(report->notes.size(), 1u);
    EXPECT_EQ(report->notes[0].rfind("1 entries of the task lists are no tasks", 0), 0u) << report->notes[0];
}

TEST_P(Tasks314, NoSectionMeansAsyncioWasNeverImported) {
    TaskImage image(GetParam());
    image.thread(3);
    auto report = image.read(image.snapshot(), /*with_section=*/false);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->tasks.empty());
    EXPECT_EQ(report->notes,
              (std::vector<std::string>{"asyncio is not imported: no module (_asyncio, the executable, "
                                        "libpython) has an .AsyncioDebug section; there are no tasks"}));
}

std::string refusal(const Variant& v, void (*damage)(AsyncioDebugOffsets&)) {
    TaskImage image(v);
    image.thread(3);
    damage(image.section());
    auto report = image.read(image.snapshot());
    return report ? "accepted" : report.error().message;
}

TEST_P(Tasks314, DamagedSectionsAreRefusedByField) {
    std::string prefix = fmt::format(
        "the .AsyncioDebug section of _asyncio.cpython-314-x86_64-linux-gnu.so at {:#x} is "
        "not usable: ",
        TaskImage::kSectionAddress);
    const Variant& v = GetParam();
    AsyncioDebugOffsets good = section_for(v);
    uint64_t header = v.offsets().pyobject.ob_type + 8;
    EXPECT_EQ(
        refusal(
            v,
            [](AsyncioDebugOffsets& s) { s.asyncio_task_object.task_node = s.asyncio_task_object.size - 8; }),
        prefix +
            fmt::format("asyncio_task_object.task_node = {} (16 bytes) is not inside the task's bytes {}..{}",
                        good.asyncio_task_object.size - 8, header, good.asyncio_task_object.size));
    EXPECT_EQ(
        refusal(v, [](AsyncioDebugOffsets& s) { s.asyncio_task_object.task_name = 1 << 20; }),
        prefix +
            fmt::format("asyncio_task_object.task_name = {} (8 bytes) is not inside the task's bytes {}..{}",
                        1 << 20, header, good.asyncio_task_object.size));
    EXPECT_EQ(
        refusal(v, [](AsyncioDebugOffsets& s) { s.asyncio_task_object.task_coro = 0; }),
        prefix +
            fmt::format("asyncio_task_object.task_coro = 0 (8 bytes) is not inside the task's bytes {}..{}",
                        header + 8, good.asyncio_task_object.size));
    EXPECT_EQ(refusal(v, [](AsyncioDebugOffsets& s) { s.asyncio_task_object.size = 1 << 20; }),
              prefix + fmt::format("asyncio_task_object.size {} is outside {}..4096", 1 << 20, header + 8));
    EXPECT_EQ(refusal(v, [](AsyncioDebugOffsets& s) { s.asyncio_thread_state.asyncio_running_loop = 8; }),
              prefix + fmt::format(
                           "asyncio_thread_state.asyncio_running_loop = 8 (8 bytes) is not inside the thread "
                           "state's {} bytes after PyThreadState's {}",
                           kThreadImpl, kThreadBase));
    EXPECT_EQ(refusal(v, [](AsyncioDebugOffsets& s) { s.asyncio_interpreter_state.size = 16384; }),
              prefix + fmt::format("asyncio_interpreter_state.size 16384 is not _Py_DebugOffsets' "
                                   "interpreter_state.size {}",
                                   kInterpreterSize));
    EXPECT_EQ(refusal(v,
                      [](AsyncioDebugOffsets& s) {
                          s.asyncio_interpreter_state.asyncio_tasks_head = kInterpreterSize;
                      }),
              prefix + fmt::format(
                           "asyncio_interpreter_state.asyncio_tasks_head = {} is not inside the interpreter "
                           "state's {} bytes",
                           kInterpreterSize, kInterpreterSize));
}

// The fields the section does not give are placed from its anchors: they must be where
// pyxray's mirrors of TaskObj put them.
TEST(Tasks314Layout, AnchorDerivedFieldsMatchTheMirrors) {
    for (const Variant& v : kVariants) {
        SCOPED_TRACE(v.name);
        AsyncioOffsets ours = compiled(v);
        std::vector<std::string> notes;
        auto derived =
            pyxray::asyncio_offsets_from_target(ours, section_for(v), v.offsets(), std::nullopt, notes);
        EXPECT_EQ(derived.fut_loop, ours.fut_loop);
        EXPECT_EQ(derived.fut_state, ours.fut_state);
        EXPECT_EQ(derived.task_fut_waiter, ours.task_fut_waiter);
        EXPECT_EQ(derived.fut_callback0, ours.fut_callback0);
        EXPECT_EQ(derived.fut_callbacks, ours.fut_callbacks);
        EXPECT_EQ(derived.fut_result, ours.fut_result);
        EXPECT_EQ(derived.task_size, v.kind == BuildKind::FreeThreaded ? 192u : 168u);  // + task_tid
        // Without a runtime table, coroutines keep pyxray's own layout, and that is said.
        ASSERT_EQ(notes.size(), 1u);
        EXPECT_NE(notes[0].find("coroutines are read with pyxray's own layout"), std::string::npos)
            << notes[0];
    }
}

TEST(Tasks314Layout, FrameStatesAndStackPointerPerVersion) {
    auto coroutine = [](int minor) {
        return pyxray::asyncio_offsets_for(PythonVersion{3, minor, 0, 0}, BuildKind::Default)->coroutine;
    };
    EXPECT_EQ(coroutine(12).frame_states, (std::vector<int8_t>{-2, -1, 0}));
    EXPECT_EQ(coroutine(13).frame_states, (std::vector<int8_t>{-3, -2, -1, 0}));
    EXPECT_EQ(coroutine(14).frame_states, coroutine(13).frame_states);
    EXPECT_EQ(coroutine(14).suspended, -1);
    EXPECT_FALSE(coroutine(14).suspended_locked.has_value());
    EXPECT_EQ(coroutine(15).frame_states, (std::vector<int8_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(coroutine(15).suspended, 2);
    EXPECT_EQ(coroutine(15).suspended_locked, 3);
    EXPECT_TRUE(coroutine(15).null_above_awaited);
    EXPECT_FALSE(coroutine(14).null_above_awaited);
    EXPECT_EQ(coroutine(14).stackpointer, 64u);
    EXPECT_FALSE(coroutine(13).stackpointer.has_value());
    EXPECT_TRUE(coroutine(13).stacktop_index.has_value());
}

// A target's modules, each with or without the section (module_symbols answers from a table).
class ModulesTarget final : public pyxray::Target {
public:
    ModulesTarget(std::vector<pyxray::ModuleInfo> modules, std::map<std::string, uint64_t> sections)
        : modules_(std::move(modules)), sections_(std::move(sections)) {}
    const pyxray::Memory& memory() const override { return memory_; }
    pyxray::TargetInfo info() const override {
        pyxray::TargetInfo info;
        info.executable = "/usr/bin/python3.14";
        return info;
    }
    pyxray::Result<std::vector<pyxray::ModuleInfo>> modules() const override { return modules_; }
    pyxray::Result<std::vector<pyxray::ThreadInfo>> threads() const override {
        return std::vector<pyxray::ThreadInfo>{};
    }
    pyxray::Result<std::vector<pyxray::NativeFrame>> native_frames(int64_t) const override {
        return std::vector<pyxray::NativeFrame>{};
    }
    pyxray::Result<std::unique_ptr<pyxray::ModuleSymbols>> module_symbols(
        const pyxray::ModuleInfo& module, std::span<const std::string_view>) const override {
        struct Symbols final : pyxray::ModuleSymbols {
            std::optional<uint64_t> address;
            std::optional<uint64_t> symbol(std::string_view) const override { return std::nullopt; }
            std::optional<pyxray::LoadedSection> section(std::string_view name) const override {
                if (name != ".AsyncioDebug" || !address) return std::nullopt;
                return pyxray::LoadedSection{*address, sizeof(AsyncioDebugOffsets)};
            }
        };
        auto symbols = std::make_unique<Symbols>();
        auto found = sections_.find(module.path);
        if (found != sections_.end()) symbols->address = found->second;
        return std::unique_ptr<pyxray::ModuleSymbols>(std::move(symbols));
    }

private:
    pyxray::BufferMemory memory_;
    std::vector<pyxray::ModuleInfo> modules_;
    std::map<std::string, uint64_t> sections_;
};

TEST(Tasks314Section, TheAsyncioModuleIsSearchedFirstThenTheExecutableAndLibpython) {
    const std::string exe = "/usr/bin/python3.14", libpython = "/usr/lib/libpython3.14.so.1.0",
                      asyncio = "/usr/lib/python3.14/lib-dynload/_asyncio.cpython-314-x86_64-linux-gnu.so",
                      libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    std::vector<pyxray::ModuleInfo> modules = {
        {exe, 0x1000}, {libpython, 0x2000}, {libc, 0x3000}, {asyncio, 0x4000}};
    auto found = pyxray::find_asyncio_debug(ModulesTarget(modules, {{libpython, 0x2100}, {asyncio, 0x4100}}));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->address, 0x4100u);
    EXPECT_EQ(found->module, asyncio);
    found = pyxray::find_asyncio_debug(ModulesTarget(modules, {{exe, 0x1100}, {libc, 0x3100}}));
    ASSERT_TRUE(found.has_value());  // _asyncio built into the executable
    EXPECT_EQ(found->module, exe);
    EXPECT_FALSE(pyxray::find_asyncio_debug(ModulesTarget(modules, {{libc, 0x3100}})).has_value());
}

// The section found by name in a real ELF file (the default module_symbols: the file on disk),
// placed like CPython's at the module's load bias: a copy of /bin/true given one by objcopy.
TEST(Tasks314Section, FoundInTheModulesElfFileAtItsLoadAddress) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("pyxray-asyncio-" + std::to_string(getpid()));
    fs::create_directories(dir);
    fs::path module = dir / "_asyncio.cpython-314-x86_64-linux-gnu.so", contents = dir / "section.bin";
    fs::copy_file("/bin/true", module, fs::copy_options::overwrite_existing);
    std::vector<char> zeros(sizeof(AsyncioDebugOffsets));
    FILE* out = std::fopen(contents.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    std::fwrite(zeros.data(), 1, zeros.size(), out);
    std::fclose(out);
    std::string command = fmt::format(
        "objcopy --add-section .AsyncioDebug='{}' --set-section-flags .AsyncioDebug=alloc,contents,load,data "
        "--change-section-address .AsyncioDebug=0x40000 '{}' 2>/dev/null",
        contents.string(), module.string());
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::vector<std::string_view> none;
    auto elf = pyxray::ElfSymbols::open(module.string(), none);
    ASSERT_TRUE(elf) << elf.error().message;
    constexpr uint64_t kBase = 0x7f1200000000;
    std::vector<pyxray::ModuleInfo> modules = {{"/bin/true", 0x555500000000}, {module.string(), kBase}};
    pyxray::StaticTarget target(std::make_unique<pyxray::BufferMemory>(), pyxray::TargetInfo{}, modules, {},
                                {});
    auto found = pyxray::find_asyncio_debug(target);
    fs::remove_all(dir);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->module, module.string());
    EXPECT_EQ(found->address, elf->runtime_address(0x40000, kBase));
    pyxray::StaticTarget without(std::make_unique<pyxray::BufferMemory>(), pyxray::TargetInfo{},
                                 {{"/bin/true", 0x555500000000}}, {}, {});
    EXPECT_FALSE(pyxray::find_asyncio_debug(without).has_value());
}

}  // namespace

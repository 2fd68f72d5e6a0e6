// py-threads' per-thread status on synthetic memory: the GIL's holder and the GC's flag where
// each version's table says they are, the state word from native stacks, and thread names
// from a threading module (through a fake object reader).
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "interp/thread_activity.hpp"
#include "interp/thread_names.hpp"
#include "interp/thread_status.hpp"
#include "layout/debug_offsets.hpp"
#include "layout/debug_offsets_314.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {
namespace {

constexpr uint64_t kRuntime = 0x100000;
constexpr uint64_t kInterp = 0x200000;
constexpr uint64_t kGil = 0x300000;  // where 3.12+ interpreters point ceval.gil
constexpr uint64_t kHolder = 0x400000;
constexpr uint64_t kOther = 0x410000;
constexpr size_t kStructBytes = 1 << 16;

// A runtime, an interpreter and (3.12+) a separate GIL struct, filled by the table's offsets.
struct Image {
    explicit Image(const Offsets& o) : offsets(o), status(*o.thread_status) {
        runtime.assign(kStructBytes, std::byte{0});
        interp.assign(kStructBytes, std::byte{0});
        gil.assign(4096, std::byte{0});
        if (!status.gil_in_runtime) put(interp, status.gil, kGil);
    }
    template <class T>
    static void put(std::vector<std::byte>& bytes, uint64_t offset, T value) {
        std::memcpy(bytes.data() + offset, &value, sizeof(value));
    }
    std::vector<std::byte>& gil_bytes(uint64_t& base) {
        base = status.gil_in_runtime ? status.gil : 0;
        return status.gil_in_runtime ? runtime : gil;
    }
    void set_gil(int32_t locked, uint64_t holder, std::optional<int32_t> enabled = std::nullopt) {
        uint64_t base = 0;
        auto& bytes = gil_bytes(base);
        put(bytes, base + status.gil_locked, locked);
        put(bytes, base + status.gil_last_holder, holder);
        if (status.gil_enabled) put(bytes, base + *status.gil_enabled, enabled.value_or(1));
    }
    void set_collecting(int32_t collecting) {
        put(status.gc_in_runtime ? runtime : interp, status.gc_collecting, collecting);
    }
    InterpreterStatus read() const {
        BufferMemory memory;
        memory.add(kRuntime, runtime);
        memory.add(kInterp, interp);
        memory.add(kGil, gil);
        return read_interpreter_status(memory, offsets, kRuntime, kInterp);
    }
    const Offsets& offsets;
    ThreadStatusOffsets status;
    std::vector<std::byte> runtime, interp, gil;
};

struct Table {
    const char* name;
    const Offsets& (*offsets)();
    bool free_threaded;
};

const Table kTables[] = {
    {"3.8", offsets_3_8, false},    {"3.9", offsets_3_9, false},    {"3.10", offsets_3_10, false},
    {"3.11", offsets_3_11, false},  {"3.12", offsets_3_12, false},  {"3.13", offsets_3_13, false},
    {"3.13t", offsets_3_13t, true}, {"3.14", offsets_3_14, false},  {"3.14t", offsets_3_14t, true},
    {"3.15", offsets_3_15, false},  {"3.15t", offsets_3_15t, true},
};

TEST(ThreadStatus, TheGilHolderAndTheCollectorOfEveryVersion) {
    for (const Table& table : kTables) {
        SCOPED_TRACE(table.name);
        const Offsets& offsets = table.offsets();
        if (!offsets.thread_status) {  // 3.14+: only the target's _Py_DebugOffsets says (below)
            BufferMemory memory;
            InterpreterStatus status = read_interpreter_status(memory, offsets, kRuntime, kInterp);
            EXPECT_FALSE(status.gil_known);
            EXPECT_NE(status.gil_note.find("does not know"), std::string::npos);
            continue;
        }
        EXPECT_EQ(offsets.thread_status->gil_enabled.has_value(), table.free_threaded);
        Image image(offsets);
        image.set_gil(1, kHolder);
        image.set_collecting(1);
        InterpreterStatus status = image.read();
        EXPECT_EQ(holds_gil(status, kHolder), std::optional<bool>(true));
        EXPECT_EQ(holds_gil(status, kOther), std::optional<bool>(false));
        EXPECT_EQ(status.gc_collecting, std::optional<bool>(true));

        image.set_gil(0, kHolder);  // released: last_holder stays, nobody holds it
        image.set_collecting(0);
        status = image.read();
        EXPECT_EQ(holds_gil(status, kHolder), std::optional<bool>(false));
        EXPECT_EQ(status.gc_collecting, std::optional<bool>(false));

        image.set_gil(-1, 0);  // never initialised
        EXPECT_FALSE(holds_gil(image.read(), kHolder).has_value());

        if (table.free_threaded) {
            image.set_gil(0, kHolder, 0);
            status = image.read();
            EXPECT_FALSE(holds_gil(status, kHolder).has_value());
            EXPECT_EQ(status.gil_note, "free-threaded build: the GIL is disabled");
            image.set_gil(1, kHolder, 1);  // PYTHON_GIL=1: a free-threaded build with its GIL on
            EXPECT_EQ(holds_gil(image.read(), kHolder), std::optional<bool>(true));
        }
    }
}

// 3.13+: the target's table places the GIL's fields in PyInterpreterState's own _gil; pyxray
// keeps them relative to the GIL struct that ceval.gil points at, and the GC flag inside gc.
TEST(ThreadStatus, FromTheTargetsDebugOffsets) {
    for (uint64_t free_threaded : {0u, 1u}) {
        mirror::DebugOffsets313 t{};
        t.free_threaded = free_threaded;
        auto& is = t.interpreter_state;
        is.size = 0x2000;
        is.ceval_gil = 0x18;
        is.gc = 0x400;
        is.imports_modules = 0x900;
        is.gil_runtime_state = 0x1000;
        is.gil_runtime_state_locked = 0x1000 + 24;
        is.gil_runtime_state_holder = 0x1000 + 16;
        is.gil_runtime_state_enabled = 0;
        t.gc.size = 0x200;
        t.gc.collecting = 0x1a0;
        Offsets merged = merge_debug_offsets(t, offsets_3_13());
        ASSERT_TRUE(merged.thread_status.has_value());
        const ThreadStatusOffsets& s = *merged.thread_status;
        EXPECT_FALSE(s.gil_in_runtime);
        EXPECT_EQ(s.gil, 0x18u);
        EXPECT_EQ(s.gil_locked, 24u);
        EXPECT_EQ(s.gil_last_holder, 16u);
        EXPECT_EQ(s.gil_enabled.has_value(), free_threaded == 1);
        EXPECT_FALSE(s.gc_in_runtime);
        EXPECT_EQ(s.gc_collecting, 0x400u + 0x1a0u);
        EXPECT_EQ(s.modules, 0x900u);

        is.gil_runtime_state_locked = 0x3000;  // outside the struct: the compiled-in table stays
        Offsets kept = merge_debug_offsets(t, offsets_3_13());
        EXPECT_EQ(kept.thread_status->gil, offsets_3_13().thread_status->gil);
        EXPECT_EQ(kept.thread_status->gc_collecting, offsets_3_13().thread_status->gc_collecting);
    }
}

// 3.14 and 3.15 tables: the same fields, projected from their own shapes (pyxray has no
// compiled-in 3.14/3.15 mirror of them, so these tables are the only source there).
template <class Later>
void expect_projected(const Offsets& fallback, uint64_t free_threaded) {
    Later t{};
    t.free_threaded = free_threaded;
    auto& is = t.interpreter_state;
    is.size = 0x4000;
    is.ceval_gil = 0x10;
    is.gc = 0x800;
    is.imports_modules = 0xa00;
    is.gil_runtime_state = 0x2000;
    is.gil_runtime_state_locked = 0x2000 + 28;
    is.gil_runtime_state_holder = 0x2000 + 20;
    t.gc.size = 0x300;
    t.gc.collecting = 0x120;
    Offsets merged = merge_debug_offsets(common_part(t), fallback);
    ASSERT_TRUE(merged.thread_status.has_value());
    EXPECT_EQ(merged.thread_status->gil, 0x10u);
    EXPECT_EQ(merged.thread_status->gil_locked, 28u);
    EXPECT_EQ(merged.thread_status->gil_last_holder, 20u);
    EXPECT_EQ(merged.thread_status->gil_enabled.has_value(), free_threaded == 1);
    EXPECT_EQ(merged.thread_status->gc_collecting, 0x800u + 0x120u);
    EXPECT_EQ(merged.thread_status->modules, 0xa00u);
    // The heap census's lists: placed in the interpreter only by the table (default builds).
    if (fallback.gc_lists) {
        EXPECT_EQ(merged.gc_lists->state, std::optional<uint64_t>(0x800));
    }
}

TEST(ThreadStatus, From314And315DebugOffsets) {
    expect_projected<mirror::DebugOffsets314>(offsets_3_14(), 0);
    expect_projected<mirror::DebugOffsets314>(offsets_3_14t(), 1);
    expect_projected<mirror::DebugOffsets315>(offsets_3_15(), 0);
    expect_projected<mirror::DebugOffsets315>(offsets_3_15t(), 1);
}

TEST(ThreadStatus, UnreadableGilIsUnknownWithANote) {
    const Offsets& offsets = offsets_3_12();
    BufferMemory memory;  // nothing readable
    InterpreterStatus status = read_interpreter_status(memory, offsets, kRuntime, kInterp);
    EXPECT_FALSE(status.gil_known);
    EXPECT_FALSE(status.gil_note.empty());
    EXPECT_FALSE(status.gc_collecting.has_value());
    EXPECT_EQ(status.modules, 0u);
}

std::vector<NativeFrame> stack(std::initializer_list<const char*> names) {
    std::vector<NativeFrame> frames;
    for (const char* name : names) frames.push_back({0x1000, name, "libpython3.12.so"});
    return frames;
}

TEST(ThreadActivity, FromTheNativeStackAndTheGil) {
    auto running = stack({"_PyEval_EvalFrameDefault", "PyEval_EvalCode", "run_mod"});
    EXPECT_EQ(thread_activity(&running, true), ThreadActivity::Running);
    auto sleeping = stack({"__GI___clock_nanosleep", "time_sleep", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&sleeping, false), ThreadActivity::Idle);
    auto select = stack({"__select", "pysleep.lto_priv.0", "time_sleep", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&select, false), ThreadActivity::Idle);
    auto lock =
        stack({"__futex_abstimed_wait_common64", "do_futex_wait.constprop.0", "sem_clockwait",
               "PyThread_acquire_lock_timed", "lock_PyThread_acquire_lock", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&lock, false), ThreadActivity::Idle);
    auto gil = stack({"__futex_abstimed_wait_common", "pthread_cond_timedwait@@GLIBC_2.3.2", "take_gil",
                      "PyEval_RestoreThread", "time_sleep", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&gil, false), ThreadActivity::WaitingForGil);
    auto stripped =
        stack({"pthread_cond_timedwait", "??", "PyEval_RestoreThread", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&stripped, false), ThreadActivity::WaitingForGil);
    // A stripped libpython names neither take_gil nor its callers: the condition variable says it.
    auto unnamed = stack({"__futex_abstimed_wait_common", "pthread_cond_timedwait@@GLIBC_2.3.2", "", "",
                          "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&unnamed, false), ThreadActivity::WaitingForGil);
    EXPECT_EQ(thread_activity(&unnamed, false, /*python=*/false), ThreadActivity::Idle);
    EXPECT_EQ(thread_activity(&unnamed, std::nullopt), ThreadActivity::Idle);  // no GIL to take
    auto gdb_select = stack({"__GI___select", "pysleep", "time_sleep", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&gdb_select, false), ThreadActivity::Idle);
    auto reading = stack({"__libc_read", "_Py_read", "_io_FileIO_readinto", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&reading, false), ThreadActivity::Native);
    // A wait in an older eval-loop call does not make the running one idle.
    auto nested =
        stack({"_PyEval_EvalFrameDefault", "PyThread_acquire_lock_timed", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&nested, true), ThreadActivity::Running);
    auto c_thread = stack({"epoll_wait", "uv_run", "start_thread", "clone3"});
    EXPECT_EQ(thread_activity(&c_thread, false), ThreadActivity::Idle);
    // No GIL to ask (free-threaded): a syscall is libc's innermost frame; anything else runs.
    auto syscall = stack({"__libc_read", "_Py_read", "_PyEval_EvalFrameDefault"});
    syscall[0].module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    EXPECT_EQ(thread_activity(&syscall, std::nullopt), ThreadActivity::Native);
    auto adding = stack({"long_add", "_PyEval_EvalFrameDefault"});
    EXPECT_EQ(thread_activity(&adding, std::nullopt), ThreadActivity::Running);
    EXPECT_EQ(thread_activity(&adding, true), ThreadActivity::Running);
    EXPECT_EQ(thread_activity(nullptr, true), ThreadActivity::Running);
    EXPECT_EQ(thread_activity(nullptr, false), ThreadActivity::Unknown);
    EXPECT_EQ(thread_activity(nullptr, std::nullopt), ThreadActivity::Unknown);
}

// Objects as a map of addresses: dicts of str keys, instance attributes, ints and strs.
struct FakeReader {
    std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> dicts;
    std::map<uint64_t, std::map<std::string, uint64_t>> attributes;
    std::map<uint64_t, int64_t> ints;
    std::map<uint64_t, std::string> strs;
    std::map<uint64_t, std::string> types;

    Result<std::optional<uint64_t>> dict_get(uint64_t dict, std::string_view key) const {
        auto found = dicts.find(dict);
        if (found == dicts.end()) return fail(ErrorCode::Unreadable, "no dict", dict);
        for (const auto& [k, v] : found->second)
            if (strs.count(k) && strs.at(k) == key) return std::optional<uint64_t>(v);
        return std::optional<uint64_t>();
    }
    Result<std::vector<std::pair<uint64_t, uint64_t>>> dict_items(uint64_t dict, size_t) const {
        auto found = dicts.find(dict);
        if (found == dicts.end()) return fail(ErrorCode::Unreadable, "no dict", dict);
        return found->second;
    }
    Result<std::optional<uint64_t>> attribute(uint64_t object, std::string_view name) const {
        auto found = attributes.find(object);
        if (found == attributes.end()) return fail(ErrorCode::Unreadable, "no object", object);
        auto value = found->second.find(std::string(name));
        if (value == found->second.end()) return std::optional<uint64_t>();
        return std::optional<uint64_t>(value->second);
    }
    Result<int64_t> int_value(uint64_t address) const {
        if (!ints.count(address)) return fail(ErrorCode::BadData, "not an int", address);
        return ints.at(address);
    }
    Result<std::string> type_name(uint64_t address) const {
        if (!types.count(address)) return std::string("Thread");
        return types.at(address);
    }
    Result<std::string> str_value(uint64_t address, size_t) const {
        if (!strs.count(address)) return fail(ErrorCode::BadData, "not a str", address);
        return strs.at(address);
    }
};

TEST(ThreadNames, FromThreadingActiveAndMainThread) {
    FakeReader r;
    constexpr uint64_t modules = 1, threading = 2, active = 3, key_threading = 4;
    r.strs[key_threading] = "threading";
    r.dicts[modules] = {{key_threading, threading}};
    r.attributes[threading] = {{"_active", active}, {"_main_thread", 10}};
    // _active: {ident 0x7f01: worker, ident 0x7f02: a thread whose _name is not a str}
    r.ints[20] = 0x7f01;
    r.ints[21] = 0x7f02;
    r.dicts[active] = {{20, 30}, {21, 31}};
    r.attributes[30] = {{"_name", 40}};
    r.strs[40] = "Ωmega-worker";
    r.attributes[31] = {{"_name", 41}};
    // _main_thread is not in _active (a finishing interpreter): found through its _ident
    r.attributes[10] = {{"_name", 42}, {"_ident", 22}};
    r.strs[42] = "MainThread";
    r.ints[22] = 0x7f00;
    ThreadNames names = read_thread_names(r, modules);
    EXPECT_EQ(names.by_ident.size(), 2u);
    EXPECT_EQ(names.by_ident[0x7f01], "Ωmega-worker");
    EXPECT_EQ(names.by_ident[0x7f00], "MainThread");
    EXPECT_NE(names.note.find("_name is unreadable"), std::string::npos);
}

TEST(ThreadNames, ARealNameFromAnyInterpreterBeatsADummyOne) {
    // The OS thread 0x7f01 runs code in a subinterpreter, whose threading made a _DummyThread
    // for it; the main interpreter started it as "host". Either order of reading gives "host".
    FakeReader r;
    auto interpreter = [&](uint64_t base, const std::string& name, bool dummy) {
        r.strs[base + 1] = "threading";
        r.dicts[base] = {{base + 1, base + 2}};
        r.attributes[base + 2] = {{"_active", base + 3}};
        r.ints[base + 4] = 0x7f01;
        r.dicts[base + 3] = {{base + 4, base + 5}};
        r.attributes[base + 5] = {{"_name", base + 6}};
        r.strs[base + 6] = name;
        if (dummy) r.types[base + 5] = "_DummyThread";
        return base;
    };
    uint64_t sub = interpreter(100, "Dummy-1", true), main = interpreter(200, "host", false);
    for (auto order : {std::pair{sub, main}, std::pair{main, sub}}) {
        ThreadNames names;
        add_names(names, read_thread_names(r, order.first));
        add_names(names, read_thread_names(r, order.second));
        EXPECT_EQ(names.by_ident[0x7f01], "host");
        EXPECT_FALSE(names.dummies.contains(0x7f01));
    }
}

TEST(ThreadNames, NoThreadingModuleNoNamesAndANote) {
    FakeReader r;
    r.dicts[1] = {};
    ThreadNames names = read_thread_names(r, 1);
    EXPECT_TRUE(names.by_ident.empty());
    EXPECT_EQ(names.note, "the threading module is not imported");
    EXPECT_EQ(read_thread_names(r, 0).note, "sys.modules is unreadable");
    EXPECT_NE(read_thread_names(r, 99).note.find("sys.modules is unreadable"), std::string::npos);
}

}  // namespace
}  // namespace pyxray

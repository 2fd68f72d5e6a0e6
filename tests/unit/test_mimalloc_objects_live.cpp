// The free-threaded heap walk against a real debian-3.13t whose fixture (fixtures/heap_free_threaded.py)
// says what gc.get_objects() holds: live and through a gcore of it, the walk must find exactly as
// many objects, as many of each class, and the exited thread's among them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core_builder.hpp"
#include "heap/mimalloc_objects.hpp"
#include "layout/debug_offsets.hpp"
#include "layout/mimalloc_mirrors.hpp"
#include "live_python.hpp"
#include "matrix_interpreters.hpp"
#include "pyxray/core_file.hpp"

namespace {

namespace mi = pyxray::mirror::mimalloc;
using pyxray::testing::LivePython;
using pyxray::testing::locate_in;

// What the fixture counted with gc.get_objects(), in its main interpreter and its subinterpreter.
struct Truth {
    size_t total = 0, items = 0, slotted = 0;
    uint64_t item_type = 0, slotted_type = 0;
    size_t sub_total = 0, sub_items = 0;
    uint64_t sub_item_type = 0;
    size_t frozen = 0, frozen_items = 0;  // gc.get_freeze_count(), and how many of those are Items
};

Truth parse_ready(const std::string& line) {
    std::istringstream words(line);
    std::string ready;
    Truth truth;
    words >> ready >> truth.total >> truth.items >> truth.slotted >> truth.item_type >> truth.slotted_type >>
        truth.sub_total >> truth.sub_items >> truth.sub_item_type >> truth.frozen >> truth.frozen_items;
    return truth;
}

// What the walk of one interpreter found: objects per type, and how many lie in abandoned
// segments (thread_id 0: found only through the interpreter's abandoned pool).
struct Tally {
    size_t total = 0, abandoned = 0;
    std::unordered_map<uint64_t, size_t> by_type;
    double seconds = 0;
};

void tally_walk(const pyxray::Memory& memory, const pyxray::LocatedRuntime& located, uint64_t interp,
                Tally& out, pyxray::FrozenObjects frozen = pyxray::FrozenObjects::Excluded) {
    const pyxray::Offsets& offsets = *located.offsets;
    auto start = std::chrono::steady_clock::now();
    auto walk = pyxray::free_threaded_gc_objects(memory, offsets, located.info, interp, {}, {}, frozen);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(walk) << walk.error().message;
    EXPECT_TRUE(walk->notes.empty()) << ::testing::PrintToString(walk->notes);
    EXPECT_FALSE(walk->capped);
    std::unordered_set<uint64_t> distinct(walk->objects.begin(), walk->objects.end());
    EXPECT_EQ(distinct.size(), walk->objects.size()) << "an object was listed twice";
    std::unordered_map<uint64_t, uint64_t> owner;  // segment -> its owning thread
    for (uint64_t object : walk->objects) {
        auto type = pyxray::read_pointer(memory, object + offsets.pyobject.ob_type);
        ASSERT_TRUE(type) << "object " << object << " unreadable";
        out.by_type[*type]++;
        uint64_t segment = object & ~(mi::kSegmentSize - 1);
        if (!owner.contains(segment)) {
            auto thread =
                pyxray::read_value<uint64_t>(memory, segment + offsetof(mi::Segment<false>, thread_id));
            ASSERT_TRUE(thread);
            owner[segment] = *thread;
        }
        out.abandoned += owner[segment] == 0;
    }
    out.total = walk->objects.size();
}

// The main interpreter (id 0) and the other one the fixture makes, where they could be read.
struct Interpreters {
    std::optional<uint64_t> main, sub;
};

Interpreters interpreters_of(const pyxray::Memory& memory, const pyxray::LocatedRuntime& located) {
    const pyxray::Offsets& offsets = *located.offsets;
    Interpreters found;
    auto head =
        pyxray::read_pointer(memory, located.info.runtime_address + offsets.runtime_state.interpreters_head);
    for (uint64_t interp = head ? *head : 0, steps = 0; interp != 0 && steps < 16; steps++) {
        auto id = pyxray::read_value<int64_t>(memory, interp + offsets.interpreter_state.id);
        auto next = pyxray::read_pointer(memory, interp + offsets.interpreter_state.next);
        if (!id || !next) break;
        (*id == 0 ? found.main : found.sub) = interp;
        interp = *next;
    }
    return found;
}

// Walks the main interpreter and the subinterpreter and compares with what the fixture counted.
void expect_census(const pyxray::Memory& memory, const pyxray::LocatedRuntime& located, const Truth& truth,
                   const char* source) {
    auto [main, sub] = interpreters_of(memory, located);
    ASSERT_TRUE(main && sub) << "the fixture makes one subinterpreter";

    Tally found;
    tally_walk(memory, located, *main, found);
    EXPECT_EQ(found.total, truth.total);
    EXPECT_EQ(found.by_type[truth.item_type], truth.items);
    EXPECT_EQ(found.by_type[truth.slotted_type], truth.slotted);
    EXPECT_EQ(found.by_type[truth.sub_item_type], 0u) << "the subinterpreter's objects are its own";
    // The fixture's last thread exits after the others made their pages: its objects stay in
    // abandoned segments, found only through the interpreter's abandoned pool.
    EXPECT_GT(found.abandoned, 0u) << "no object in an abandoned segment: the pool went untested";
    // What gc.freeze() set aside is left out above, as gc.get_objects() leaves it; the census counts it.
    Tally with_frozen;
    tally_walk(memory, located, *main, with_frozen, pyxray::FrozenObjects::Included);
    EXPECT_EQ(with_frozen.total, truth.total + truth.frozen);
    EXPECT_EQ(with_frozen.by_type[truth.item_type], truth.items + truth.frozen_items);
    Tally sub_found;
    tally_walk(memory, located, *sub, sub_found);
    // Counted inside the exec() that built them, while that exec's thread state still lived; by
    // the reading it is gone, and a couple of objects with it (2 on 3.13.15 here, not identified).
    EXPECT_LE(sub_found.total, truth.sub_total);
    EXPECT_GE(sub_found.total + 8, truth.sub_total);
    EXPECT_EQ(sub_found.by_type[truth.sub_item_type], truth.sub_items);
    std::printf(
        "%s: gc.get_objects() %zu (Item %zu, Slotted %zu); walk %zu (Item %zu, Slotted %zu, %zu in "
        "abandoned segments) in %.3f s; subinterpreter %zu (SubItem %zu), walk %zu (SubItem %zu, %zu in "
        "abandoned segments)\n",
        source, truth.total, truth.items, truth.slotted, found.total, found.by_type[truth.item_type],
        found.by_type[truth.slotted_type], found.abandoned, found.seconds, truth.sub_total, truth.sub_items,
        sub_found.total, sub_found.by_type[truth.sub_item_type], sub_found.abandoned);
}

// PYTHONMALLOC for the fixture: unset, or "debug" (CPython's debug allocator puts a header
// before every object, as -X dev and Py_DEBUG builds do).
class MimallocObjectsLive : public ::testing::TestWithParam<const char*> {};

TEST_P(MimallocObjectsLive, FindsExactlyWhatGcGetObjectsListsIn313tLiveAndInItsCore) {
    PYXRAY_REQUIRE_PYTHON(executable, "debian-3.13t");
    std::string script = "import runpy; runpy.run_path('" + std::string(PYXRAY_SOURCE_DIR) +
                         "/fixtures/heap_free_threaded.py')";
    if (GetParam()) setenv("PYTHONMALLOC", GetParam(), 1);
    LivePython python(executable.c_str(), script.c_str());
    unsetenv("PYTHONMALLOC");
    ASSERT_TRUE(python.ready()) << "the fixture said: " << python.ready_line();
    // print() frees its temporary objects after the line is out: read once it blocks in os.read.
    ASSERT_TRUE(python.wait_for_main_thread_in_syscall(0)) << "the fixture never blocked in read";
    Truth truth = parse_ready(python.ready_line());
    ASSERT_GT(truth.items, 200'000u) << python.ready_line();
    auto located = locate_in(python.pid(), executable);
    ASSERT_TRUE(located) << located.error().message;

    auto memory = pyxray::make_process_memory(python.pid());
    expect_census(*memory, *located, truth, "live");
    // 3.14t's mimalloc state is found by its signature alone: on 3.13t the search must land on
    // the mirrored offset, with nothing before it passing for one.
    auto table = pyxray::read_debug_offsets_table(*memory, located->info.runtime_address);
    ASSERT_TRUE(table);
    auto interpreters = interpreters_of(*memory, *located);
    ASSERT_TRUE(interpreters.main);
    auto main_thread =
        pyxray::read_pointer(*memory, *interpreters.main + located->offsets->interpreter_state.threads_head);
    ASSERT_TRUE(main_thread);
    const auto& layout = pyxray::mimalloc_layout_313t(false);
    EXPECT_EQ(
        pyxray::find_thread_mimalloc(*memory, layout, *main_thread + table->thread_state.size, std::nullopt),
        layout.thread_mimalloc_after_base);

    if (access("/usr/bin/gdb", X_OK) != 0)
        GTEST_SKIP() << "/usr/bin/gdb is absent: no gcore, no core to walk";
    pyxray::testing::TempDir dir;
    std::string core_path = dir / "heap.core";
    std::string gdb_output = pyxray::testing::run_gcore(python.pid(), core_path, dir / "gdb.log");
    auto core = pyxray::CoreFile::open(core_path);
    ASSERT_TRUE(core) << core.error().message << "\ngdb said:\n" << gdb_output;
    expect_census(*pyxray::make_cached_memory((*core)->memory()), *located, truth, "core");
}

INSTANTIATE_TEST_SUITE_P(Allocators, MimallocObjectsLive, ::testing::Values(nullptr, "debug"),
                         [](const auto& info) { return std::string(info.param ? info.param : "default"); });

TEST(MimallocObjects, DefaultBuildsAndOtherVersionsAreRefusedByName) {
    pyxray::BufferMemory memory;
    pyxray::RuntimeInfo runtime;
    runtime.version_hex = 0x030D00F0;
    auto not_free_threaded = pyxray::free_threaded_gc_objects(memory, pyxray::offsets_3_13(), runtime, 0, {});
    ASSERT_FALSE(not_free_threaded);
    EXPECT_EQ(not_free_threaded.error().code, pyxray::ErrorCode::InvalidArgument);
    runtime.free_threaded = true;
    runtime.version_hex = 0x030F00F0;
    auto newer = pyxray::free_threaded_gc_objects(memory, pyxray::offsets_3_15t(), runtime, 0, {});
    ASSERT_FALSE(newer);
    EXPECT_EQ(newer.error().code, pyxray::ErrorCode::Unsupported);
    EXPECT_NE(newer.error().message.find("3.15"), std::string::npos) << newer.error().message;
}

}  // namespace

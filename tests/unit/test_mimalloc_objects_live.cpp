// The free-threaded heap walk against a real debian-3.13t whose fixture (fixtures/heap_free_threaded.py)
// says what gc.get_objects() holds: live and through a gcore of it, the walk must find exactly as
// many objects, as many of each class, and the exited thread's among them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
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

struct Census {
    size_t total = 0, items = 0, slotted = 0, abandoned = 0;
    uint64_t item_type = 0, slotted_type = 0;
};

Census parse_ready(const std::string& line) {
    std::istringstream words(line);
    std::string ready;
    Census census;
    words >> ready >> census.total >> census.items >> census.slotted >> census.item_type >>
        census.slotted_type;
    return census;
}

// Walks the first interpreter's heaps in `memory` and compares with what the fixture counted.
void expect_census(const pyxray::Memory& memory, const pyxray::LocatedRuntime& located, const Census& truth,
                   const char* source) {
    const pyxray::Offsets& offsets = *located.offsets;
    auto interp =
        pyxray::read_pointer(memory, located.info.runtime_address + offsets.runtime_state.interpreters_head);
    ASSERT_TRUE(interp);
    auto start = std::chrono::steady_clock::now();
    auto walk = pyxray::free_threaded_gc_objects(memory, offsets, located.info, *interp, {});
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(walk) << walk.error().message;
    EXPECT_TRUE(walk->notes.empty()) << ::testing::PrintToString(walk->notes);
    EXPECT_FALSE(walk->capped);

    Census found;
    std::unordered_set<uint64_t> distinct(walk->objects.begin(), walk->objects.end());
    EXPECT_EQ(distinct.size(), walk->objects.size()) << "an object was listed twice";
    // The fixture's last thread exits after the others made their pages: its objects stay in
    // abandoned segments (thread_id 0), found only through the interpreter's abandoned pool.
    std::unordered_map<uint64_t, uint64_t> owner;
    for (uint64_t object : walk->objects) {
        auto type = pyxray::read_pointer(memory, object + offsets.pyobject.ob_type);
        ASSERT_TRUE(type) << "object " << object << " unreadable";
        found.items += *type == truth.item_type;
        found.slotted += *type == truth.slotted_type;
        uint64_t segment = object & ~(mi::kSegmentSize - 1);
        if (!owner.contains(segment)) {
            auto thread =
                pyxray::read_value<uint64_t>(memory, segment + offsetof(mi::Segment<false>, thread_id));
            ASSERT_TRUE(thread);
            owner[segment] = *thread;
        }
        found.abandoned += owner[segment] == 0;
    }
    EXPECT_EQ(walk->objects.size(), truth.total);
    EXPECT_EQ(found.items, truth.items);
    EXPECT_EQ(found.slotted, truth.slotted);
    EXPECT_GT(found.abandoned, 0u) << "no object in an abandoned segment: the pool went untested";
    std::printf(
        "%s: gc.get_objects() %zu (Item %zu, Slotted %zu); walk %zu (Item %zu, Slotted %zu, %zu in abandoned "
        "segments) in %.3f s\n",
        source, truth.total, truth.items, truth.slotted, walk->objects.size(), found.items, found.slotted,
        found.abandoned, seconds);
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
    Census truth = parse_ready(python.ready_line());
    ASSERT_GT(truth.items, 200'000u) << python.ready_line();
    auto located = locate_in(python.pid(), executable);
    ASSERT_TRUE(located) << located.error().message;

    auto memory = pyxray::make_process_memory(python.pid());
    expect_census(*memory, *located, truth, "live");
    // 3.14t's mimalloc state is found by its signature alone: on 3.13t the search must land on
    // the mirrored offset, with nothing before it passing for one.
    auto table = pyxray::read_debug_offsets_table(*memory, located->info.runtime_address);
    ASSERT_TRUE(table);
    auto interp = pyxray::read_pointer(
        *memory, located->info.runtime_address + located->offsets->runtime_state.interpreters_head);
    ASSERT_TRUE(interp);
    auto main_thread =
        pyxray::read_pointer(*memory, *interp + located->offsets->interpreter_state.threads_head);
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

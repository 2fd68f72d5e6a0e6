// The asyncio mirrors against what the matrix's own interpreters showed: offsets seen in live
// Task objects with ctypes (pyenv 3.8.18-3.13.0, Debian 3.11.2 debug: `ctypes.string_at(id(task),
// n)` searched for the task's loop, coroutine, name and waiter), and 3.14's from CPython's text.
#include <gtest/gtest.h>

#include "layout/asyncio_offsets.hpp"

namespace {

using pyxray::AsyncioOffsets;
using pyxray::BuildKind;
using pyxray::PythonVersion;

struct Seen {
    int minor;
    uint64_t future_size, task_size, loop, result, state, fut_waiter, coro, name;
};

constexpr Seen kSeen[] = {
    {8, 104, 144, 16, 56, 72, 104, 112, 120},   {9, 144, 184, 16, 56, 80, 144, 152, 160},
    {10, 152, 192, 16, 64, 88, 152, 160, 168},  {11, 128, 176, 16, 64, 88, 128, 136, 144},
    {12, 128, 176, 16, 64, 88, 128, 136, 144},  {13, 104, 144, 16, 64, 96, 112, 120, 128},
    {14, 112, 168, 16, 64, 104, 120, 128, 136},
};

AsyncioOffsets table(int minor, BuildKind kind = BuildKind::Default) {
    auto found = pyxray::asyncio_offsets_for(PythonVersion{3, minor, 0, 0}, kind);
    EXPECT_TRUE(found) << "3." << minor;
    return found.value_or(AsyncioOffsets{});
}

TEST(AsyncioOffsets, MirrorsMatchWhatEachVersionShowed) {
    for (const Seen& seen : kSeen) {
        SCOPED_TRACE("3." + std::to_string(seen.minor));
        AsyncioOffsets o = table(seen.minor);
        EXPECT_EQ(o.future_size, seen.future_size);
        EXPECT_EQ(o.task_size, seen.task_size);
        EXPECT_EQ(o.fut_loop, seen.loop);
        EXPECT_EQ(o.fut_result, seen.result);
        EXPECT_EQ(o.fut_state, seen.state);
        EXPECT_EQ(o.task_fut_waiter, seen.fut_waiter);
        EXPECT_EQ(o.task_coro, seen.coro);
        EXPECT_EQ(o.task_name, seen.name);
        EXPECT_EQ(o.future_iter_future, 16u);
        EXPECT_EQ(o.task_node.has_value(), seen.minor >= 14);
    }
}

TEST(AsyncioOffsets, ThreeFourteenListsPendingTasksAndTheirAwaiters) {
    AsyncioOffsets o = table(14);
    EXPECT_EQ(o.fut_awaited_by.value_or(0), 96u);
    EXPECT_EQ(o.fut_is_task.value_or(0), 108u);
    EXPECT_EQ(o.fut_awaited_by_is_set.value_or(0), 109u);
    EXPECT_EQ(o.task_node.value_or(0), 152u);
    EXPECT_EQ(table(15).task_node, o.task_node);
}

// A free-threaded object header is 16 bytes longer: every field moves by as much.
TEST(AsyncioOffsets, FreeThreadedBuildsMoveEveryFieldByTheLongerHeader) {
    for (int minor : {13, 14}) {
        AsyncioOffsets ours = table(minor), free = table(minor, BuildKind::FreeThreaded);
        EXPECT_EQ(free.task_coro, ours.task_coro + 16) << minor;
        EXPECT_EQ(free.fut_state, ours.fut_state + 16) << minor;
        EXPECT_EQ(free.future_iter_future, 32u) << minor;
    }
    EXPECT_FALSE(pyxray::asyncio_offsets_for(PythonVersion{3, 12, 0, 0}, BuildKind::FreeThreaded));
    EXPECT_FALSE(pyxray::asyncio_offsets_for(PythonVersion{3, 7, 0, 0}, BuildKind::Default));
}

}  // namespace

namespace {

// The coroutine fields ctypes showed in suspended coroutines of the same interpreters: the
// qualname, the frame pointer (3.8-3.10) or embedded frame and its state byte (3.11+), and the
// value stack whose top is what an `await` is on.
TEST(AsyncioOffsets, CoroutineFieldsMatchWhatEachVersionShowed) {
    struct Gen {
        int minor;
        uint64_t qualname;
        std::optional<uint64_t> frame, iframe, state;
    };
    const Gen seen[] = {{8, 56, 16, {}, {}},  {9, 56, 16, {}, {}},  {10, 48, 16, {}, {}},
                        {11, 40, {}, 80, 75}, {12, 32, {}, 72, 67}, {13, 32, {}, 72, 67}};
    for (const Gen& gen : seen) {
        SCOPED_TRACE("3." + std::to_string(gen.minor));
        auto o = table(gen.minor).coroutine;
        EXPECT_EQ(o.gi_qualname, gen.qualname);
        EXPECT_EQ(o.gi_frame, gen.frame);
        EXPECT_EQ(o.gi_iframe, gen.iframe);
        EXPECT_EQ(o.gi_frame_state, gen.state);
    }
    EXPECT_EQ(table(8).coroutine.stacktop_pointer.value_or(0), 72u);
    EXPECT_EQ(table(10).coroutine.stackdepth.value_or(0), 80u);
    EXPECT_EQ(table(10).coroutine.frame_state.value_or(0), 108u);
    EXPECT_EQ(table(12).coroutine.stacktop_index.value_or(0), 64u);
    EXPECT_EQ(table(11).coroutine.stacktop_index.value_or(0), 64u);
    EXPECT_EQ(table(13, BuildKind::FreeThreaded).coroutine.gi_iframe.value_or(0), 88u);
}

}  // namespace

#include "asyncio/task_registry.hpp"

namespace {

using Graph = std::vector<std::pair<uint64_t, std::vector<uint64_t>>>;

// Tasks awaiting each other: each cycle once, from its smallest task, whatever the graph's
// order; tasks that only reach a cycle are not in it.
TEST(AwaitCycles, EachCycleOnceFromItsSmallestTask) {
    Graph graph = {{5, {3}}, {3, {9}}, {9, {3}}, {1, {2, 5}}, {2, {}}, {7, {7}}};
    auto cycles = pyxray::find_cycles(graph);
    ASSERT_EQ(cycles.size(), 2u);
    EXPECT_EQ(cycles[0], (std::vector<uint64_t>{3, 9}));
    EXPECT_EQ(cycles[1], (std::vector<uint64_t>{7}));
}

TEST(AwaitCycles, NoneInATreeAndEdgesToUnknownTasksAreIgnored) {
    Graph graph = {{1, {2, 3}}, {2, {4}}, {3, {4}}, {4, {99}}};
    EXPECT_TRUE(pyxray::find_cycles(graph).empty());
}

// A long chain ending in a loop: found without recursion (no stack overflow on 100,000 tasks).
TEST(AwaitCycles, AHundredThousandTasksInOneRing) {
    Graph graph;
    constexpr uint64_t kTasks = 100'000;
    for (uint64_t task = 0; task < kTasks; ++task) graph.push_back({task, {(task + 1) % kTasks}});
    auto cycles = pyxray::find_cycles(graph);
    ASSERT_EQ(cycles.size(), 1u);
    EXPECT_EQ(cycles[0].size(), kTasks);
    EXPECT_EQ(cycles[0].front(), 0u);
}

}  // namespace

#include "pyxray/tasks.hpp"

namespace {

// A chain of 5,000 tasks each awaiting the next: the tree is cut every 256 levels (the printer
// recurses once per level) and every task is still shown once.
TEST(TasksTree, ADeepAwaitChainIsCutNotOverflowed) {
    pyxray::TasksReport report;
    constexpr uint64_t kTasks = 5000;
    for (uint64_t i = 0; i < kTasks; ++i) {
        pyxray::AsyncTask task;
        task.address = 0x1000 + i;
        task.name = "t-" + std::to_string(i);
        task.state = "pending";
        if (i + 1 < kTasks) task.awaiting = {0x1000 + i + 1};
        if (i > 0) task.awaited_by = {0x1000 + i - 1};
        report.tasks.push_back(task);
    }
    std::string tree = pyxray::render_tasks_tree(report);
    EXPECT_NE(tree.find("the tree is cut at 256 levels"), std::string::npos);
    for (uint64_t i : {uint64_t{0}, uint64_t{255}, uint64_t{256}, kTasks - 1})
        EXPECT_NE(tree.find("Task \"t-" + std::to_string(i) + "\" "), std::string::npos) << i;
    EXPECT_EQ(tree.find("shown above"), std::string::npos);
}

}  // namespace

// The wait-for graph's cycles (interp/thread_waits.hpp): each named once, from its lowest tid;
// chains that end, self-waits and holders outside the snapshot are no deadlock.
#include <gtest/gtest.h>

#include "interp/thread_waits.hpp"
#include "pyxray/render.hpp"

namespace pyxray {
namespace {

ThreadStack waiting(int64_t tid, const char* name, uint64_t object, std::vector<int64_t> held_by) {
    ThreadStack thread;
    thread.tid = tid;
    thread.name = name;
    thread.waiting = ThreadWait{.kind = "lock", .object = object, .held_by = std::move(held_by)};
    return thread;
}

TEST(Deadlocks, ATwoThreadCycleIsNamedOnceFromItsLowestTid) {
    std::vector<ThreadStack> threads = {waiting(42, "beta", 0xb, {41}), waiting(41, "alpha", 0xa, {42}),
                                        waiting(43, "gamma", 0xa, {42})};
    auto deadlocks = find_deadlocks(threads);
    ASSERT_EQ(deadlocks.size(), 1u);
    EXPECT_EQ(deadlocks[0].threads, (std::vector<int64_t>{41, 42}));
    EXPECT_EQ(deadlocks[0].objects, (std::vector<uint64_t>{0xa, 0xb}));
    Snapshot snapshot;
    snapshot.threads = threads;
    EXPECT_EQ(
        render_deadlock_line(snapshot, deadlocks[0]),
        "deadlock: 41 \"alpha\" waits for lock 0xa held by 42 \"beta\", which waits for lock 0xb held by 41 "
        "\"alpha\"");
}

TEST(Deadlocks, ChainsThatEndAndUnknownHoldersAreNone) {
    std::vector<ThreadStack> threads = {waiting(1, "a", 0x1, {2}), waiting(2, "b", 0x2, {99}),
                                        waiting(3, "c", 0x3, {})};
    EXPECT_TRUE(find_deadlocks(threads).empty());
}

TEST(Deadlocks, AThreeThreadCycleAndASelfWait) {
    std::vector<ThreadStack> threads = {waiting(7, "x", 0x7, {8}), waiting(8, "y", 0x8, {9}),
                                        waiting(9, "z", 0x9, {7}), waiting(5, "self", 0x5, {5})};
    auto deadlocks = find_deadlocks(threads);
    ASSERT_EQ(deadlocks.size(), 2u);
    EXPECT_EQ(deadlocks[0].threads, (std::vector<int64_t>{7, 8, 9}));
    EXPECT_EQ(deadlocks[1].threads, (std::vector<int64_t>{5}));
}

}  // namespace
}  // namespace pyxray

// Which OS thread runs each thread state: recorded ids, corrected and ordered by where the
// states' shim frames sit on the threads' stacks.
#include <gtest/gtest.h>

#include "merge/thread_matching.hpp"

namespace {

using pyxray::assign_thread_states;
using pyxray::PyFrame;
using pyxray::PyThread;
using pyxray::stack_states;
using pyxray::ThreadInfo;

constexpr uint64_t kMainStack = 0x7ffc'0000'0000;  // stack pointers; stacks grow down from above
constexpr uint64_t kHostStack = 0x7f00'0080'0000;
constexpr uint64_t kGuestStack = 0x7f00'0100'0000;

PyThread state(uint64_t native_id, int64_t interpreter, uint64_t innermost_shim,
               std::vector<std::string> names) {
    PyThread thread;
    thread.native_thread_id = native_id;
    thread.interpreter_id = interpreter;
    thread.innermost_shim = innermost_shim;
    for (auto& name : names) {
        PyFrame frame{name, name, "/x.py", 1, 0, 0, false};
        frame.interpreter_id = interpreter;
        thread.frames.push_back(frame);
    }
    if (!names.empty()) thread.segment_sizes = {names.size()};
    return thread;
}

std::vector<ThreadInfo> os_threads() {
    return {ThreadInfo{1, std::nullopt, kMainStack}, ThreadInfo{2, std::nullopt, kHostStack},
            ThreadInfo{3, std::nullopt, kGuestStack}};
}

std::vector<std::string> names_of(const PyThread& thread) {
    std::vector<std::string> names;
    for (const auto& frame : thread.frames) names.push_back(frame.function);
    return names;
}

TEST(ThreadMatching, RecordedNativeIdsMatchWithoutStacks) {
    std::vector<PyThread> states = {state(1, 0, 0, {"main"}), state(3, 0, 0, {"worker"})};
    std::vector<ThreadInfo> threads = {ThreadInfo{1, std::nullopt}, ThreadInfo{3, std::nullopt}};
    auto assignment = assign_thread_states(states, threads);
    EXPECT_EQ(assignment.states_of.at(1), std::vector<size_t>{0});
    EXPECT_EQ(assignment.states_of.at(3), std::vector<size_t>{1});
    EXPECT_EQ(assignment.matched, (std::vector<bool>{true, true}));
}

TEST(ThreadMatching, PthreadSelfMatchesWhenNoNativeIdWasRecorded) {
    PyThread before_311 = state(0, 0, 0, {"f"});
    before_311.thread_id = 0x7f00'1234'5000;
    std::vector<ThreadInfo> threads = {ThreadInfo{7, 0x7f00'1234'5000}};
    auto assignment = assign_thread_states({before_311}, threads);
    EXPECT_EQ(assignment.states_of.at(7), std::vector<size_t>{0});
}

// 3.12's run_string runs a subinterpreter's state on the calling thread while the state still
// names the thread that created it: the shim frame on the host's stack decides.
TEST(ThreadMatching, ShimOnAnotherThreadsStackOutranksAStaleNativeId) {
    std::vector<PyThread> states = {state(1, 1, kHostStack + 0x400, {"sub_sleeps"}),
                                    state(1, 0, kMainStack + 0x200, {"main_waits"}),
                                    state(2, 0, kHostStack + 0x900, {"host_runs"})};
    auto assignment = assign_thread_states(states, os_threads());
    EXPECT_EQ(assignment.states_of.at(1), std::vector<size_t>{1});
    EXPECT_EQ(assignment.states_of.at(2), (std::vector<size_t>{0, 2}));  // innermost first
    auto host = stack_states(states, assignment.states_of.at(2));
    EXPECT_EQ(names_of(host), (std::vector<std::string>{"sub_sleeps", "host_runs"}));
    EXPECT_EQ(host.segment_sizes, (std::vector<size_t>{1, 1}));
    EXPECT_EQ(host.interpreter_id, 1);
    EXPECT_EQ(host.frames[1].interpreter_id, 0);
}

TEST(ThreadMatching, InnermostShimDecidesTheOrderNotTheListOrder) {
    std::vector<PyThread> states = {state(2, 0, kHostStack + 0x900, {"outer"}),
                                    state(2, 1, kHostStack + 0x100, {"inner"})};
    auto assignment = assign_thread_states(states, os_threads());
    EXPECT_EQ(assignment.states_of.at(2), (std::vector<size_t>{1, 0}));
}

TEST(ThreadMatching, StateWithoutFramesNeverNamesTheThreadsInterpreter) {
    std::vector<PyThread> states = {state(1, 1, 0, {}), state(1, 0, kMainStack + 0x80, {"main"})};
    auto assignment = assign_thread_states(states, os_threads());
    ASSERT_EQ(assignment.states_of.at(1), (std::vector<size_t>{1, 0}));
    EXPECT_EQ(stack_states(states, assignment.states_of.at(1)).interpreter_id, 0);
}

// A shim below every known stack pointer is on no stack pyxray knows; the thread the state
// names has a known stack without it, so the name is disproved too.
TEST(ThreadMatching, ShimOnNoKnownStackLeavesTheStateUnmatched) {
    std::vector<PyThread> states = {state(2, 0, 0x1000, {"lost"})};
    auto assignment = assign_thread_states(states, os_threads());
    EXPECT_FALSE(assignment.matched[0]);
    EXPECT_TRUE(assignment.states_of.empty());
}

TEST(ThreadMatching, ShimFarAboveEveryStackPointerIsOnNoKnownStack) {
    std::vector<ThreadInfo> threads = {ThreadInfo{2, std::nullopt, kHostStack}};
    std::vector<PyThread> states = {state(9, 0, kHostStack + (uint64_t{4} << 30), {"far"})};
    auto assignment = assign_thread_states(states, threads);
    EXPECT_FALSE(assignment.matched[0]);
}

TEST(ThreadMatching, RecordedIdStandsWhenTheClaimedThreadsStackIsUnknown) {
    std::vector<ThreadInfo> threads = {ThreadInfo{5, std::nullopt}};
    std::vector<PyThread> states = {state(5, 0, 0x1000, {"f"})};
    auto assignment = assign_thread_states(states, threads);
    EXPECT_EQ(assignment.states_of.at(5), std::vector<size_t>{0});
}

namespace scan {

using pyxray::BufferMemory;
using pyxray::claim_by_stack_contents;
using pyxray::MemoryRegion;

constexpr uint64_t kFrame = 0x7f00'dead'0040;  // the newest frame object of the state
constexpr uint64_t kStackBytes = 3 * 4096 - 0x30;

// A thread's stack mapping: 3 pages from `stack_pointer` (not page aligned, as a real one) to the
// mapping's end, holding `value` at `offset` when offset is set.
MemoryRegion add_stack(BufferMemory& memory, uint64_t stack_pointer, std::optional<uint64_t> offset,
                       uint64_t value) {
    std::vector<uint64_t> words(kStackBytes / 8, 0x1111);
    if (offset) words[*offset / 8] = value;
    memory.add(stack_pointer, words.data(), words.size() * 8);
    return MemoryRegion{stack_pointer, stack_pointer + kStackBytes, true, ""};
}

PyThread unmatched_state() {
    PyThread thread = state(0, 0, 0, {"f"});
    thread.frames.front().frame_address = kFrame;
    thread.thread_id = 0x7f00'0000'1000;  // a pthread_self no thread reports (no fs_base)
    return thread;
}

std::vector<ThreadInfo> two_threads() {
    return {ThreadInfo{1, std::nullopt, kMainStack + 0x30}, ThreadInfo{2, std::nullopt, kHostStack + 0x30}};
}

TEST(ThreadMatchingByStackScan, TheOneStackHoldingTheNewestFrameRunsTheState) {
    BufferMemory memory;
    std::vector<MemoryRegion> regions = {add_stack(memory, kMainStack + 0x30, std::nullopt, 0),
                                         add_stack(memory, kHostStack + 0x30, 2 * 4096 + 8, kFrame)};
    std::vector<PyThread> states = {unmatched_state()};
    auto assignment = assign_thread_states(states, two_threads());
    ASSERT_EQ(assignment.matched, std::vector<bool>{false});
    claim_by_stack_contents(memory, regions, states, two_threads(), assignment);
    EXPECT_EQ(assignment.matched, std::vector<bool>{true});
    EXPECT_EQ(assignment.states_of.at(2), std::vector<size_t>{0});
    EXPECT_FALSE(assignment.states_of.contains(1));
}

TEST(ThreadMatchingByStackScan, TwoStacksHoldingItProveNothing) {
    BufferMemory memory;
    std::vector<MemoryRegion> regions = {add_stack(memory, kMainStack + 0x30, 16, kFrame),
                                         add_stack(memory, kHostStack + 0x30, 24, kFrame)};
    std::vector<PyThread> states = {unmatched_state()};
    auto assignment = assign_thread_states(states, two_threads());
    claim_by_stack_contents(memory, regions, states, two_threads(), assignment);
    EXPECT_EQ(assignment.matched, std::vector<bool>{false});
    EXPECT_TRUE(assignment.states_of.empty());
}

// Thread stacks lie next to each other: reading past the top of one reads the next mapping,
// which is not the thread's stack (seen on real cores: a frame pointer "found" on two stacks).
TEST(ThreadMatchingByStackScan, WhatLiesAboveTheStacksMappingIsNotOnTheStack) {
    BufferMemory memory;
    std::vector<MemoryRegion> regions = {add_stack(memory, kHostStack + 0x30, std::nullopt, 0),
                                         add_stack(memory, kHostStack + 0x30 + kStackBytes, 8, kFrame)};
    std::vector<ThreadInfo> threads = {ThreadInfo{2, std::nullopt, kHostStack + 0x30}};
    std::vector<PyThread> states = {unmatched_state()};
    auto assignment = assign_thread_states(states, threads);
    claim_by_stack_contents(memory, regions, states, threads, assignment);
    EXPECT_EQ(assignment.matched, std::vector<bool>{false});
}

TEST(ThreadMatchingByStackScan, ThreadsThatRunAStateAndStacksInNoKnownMappingAreLeftAlone) {
    BufferMemory memory;
    std::vector<MemoryRegion> regions = {add_stack(memory, kHostStack + 0x30, 8, kFrame)};
    add_stack(memory, kGuestStack, 8, kFrame);  // readable, but in no region pyxray was given
    PyThread matched = state(2, 0, 0, {"g"});   // thread 2 runs this one by its native id
    std::vector<ThreadInfo> threads = {ThreadInfo{2, std::nullopt, kHostStack + 0x30},
                                       ThreadInfo{3, std::nullopt, kGuestStack},
                                       ThreadInfo{4, std::nullopt, std::nullopt}};
    std::vector<PyThread> states = {matched, unmatched_state()};
    auto assignment = assign_thread_states(states, threads);
    claim_by_stack_contents(memory, regions, states, threads, assignment);
    EXPECT_EQ(assignment.matched, (std::vector<bool>{true, false}));
    EXPECT_EQ(assignment.states_of.at(2), std::vector<size_t>{0});
}

}  // namespace scan

}  // namespace

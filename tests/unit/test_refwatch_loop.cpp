// py-refwatch's follow loop (follow_refwatch) driven by fake debugger hooks: a scripted
// sequence of stops and refcounts, then the end of the target, a user's breakpoint, the
// --count limit, a freed object, and the stops that are not the watch's own.
#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "pyxray/refwatch.hpp"

namespace pyxray {
namespace {

// --each-line leaky: entry at 0x100 (line 10), lines 11 and 12, the epilogue (line 30) at 0x130.
constexpr uint64_t kEntry = 0x100, kLine11 = 0x110, kLine12 = 0x120, kExit = 0x130;

RefwatchPlan leaky_plan() {
    RefwatchPlan plan;
    plan.stops = plan_each_line(
        {{kEntry, "ext.c", 10}, {kLine11, "ext.c", 11}, {kLine12, "ext.c", 12}, {kExit, "ext.c", 30}}, kEntry,
        "leaky");
    plan.code = CodeRange{kEntry, 0x140};
    return plan;
}

// One stop of the script: what resume reports, and what the target shows there.
struct ScriptedStop {
    ObservedStop stop;
    Result<Refcount> refcount = Refcount{};
};

SourceSite c_line_at(uint64_t pc) {
    int line = pc == kEntry ? 10 : pc == kLine11 ? 11 : pc == kLine12 ? 12 : 30;
    return {"ext.c", line, "leaky"};
}

// A stop at one of py-refwatch's own breakpoints with the refcount `count` there.
ScriptedStop ours(uint64_t pc, int64_t count) {
    return {ObservedStop{StopCause::Breakpoint, true, {2}, pc, c_line_at(pc), ""}, Refcount{count, false}};
}

// A debugger that plays the script, then reports the target's exit; it counts what it is asked.
struct FakeDebugger {
    std::deque<ScriptedStop> script;
    std::optional<ScriptedStop> current;
    std::vector<std::string> printed;
    size_t resumes = 0, refcount_reads = 0, python_asks = 0;

    RefwatchHooks hooks() {
        RefwatchHooks hooks;
        hooks.resume = [this] {
            ++resumes;
            current.reset();
            if (script.empty()) return not_stopped(StopCause::Exited);
            current = script.front();
            script.pop_front();
            return current->stop;
        };
        hooks.refcount = [this] {
            ++refcount_reads;
            return current->refcount;
        };
        hooks.frames = [this] {
            return std::vector<SourceSite>{{"object.h", 640, "Py_INCREF"}, current->stop.site};
        };
        hooks.python_site = [this] {
            ++python_asks;
            return std::optional<SourceSite>(SourceSite{"driver.py", 9, "main"});
        };
        hooks.print = [this](const std::string& line) { printed.push_back(line); };
        return hooks;
    }
};

nlohmann::json follow(FakeDebugger& debugger, std::optional<size_t> count = std::nullopt) {
    RefWatch watch(0x1000, "Token", {2, false}, count);
    follow_refwatch(watch, leaky_plan(), debugger.hooks());
    return nlohmann::json::parse(watch.render_json())["refwatch"];
}

TEST(RefwatchLoop, ScriptedCallsRunToTheTargetsEndAndNameTheLeakyReturn) {
    FakeDebugger debugger;
    // A leaky call (line 11 takes a reference, line 12 returns), then a balanced one.
    debugger.script = {ours(kEntry, 2), ours(kLine11, 2), ours(kLine12, 3), ours(kExit, 3),
                       ours(kEntry, 3), ours(kLine11, 3), ours(kExit, 3)};
    auto watch = follow(debugger);
    EXPECT_EQ(watch["ended"], "the target exited");
    EXPECT_TRUE(watch["end_detail"].is_null());
    EXPECT_EQ(watch["stops"], 7);
    EXPECT_EQ(debugger.resumes, 8u);  // the last one found the target gone
    ASSERT_EQ(debugger.printed.size(), 1u);
    EXPECT_EQ(debugger.printed[0], "refcnt 2 -> 3 at leaky (ext.c:11) <- driver.py:9\n");
    EXPECT_EQ(debugger.python_asks, 1u);  // only where the refcount changed
    ASSERT_EQ(watch["leaky_returns"].size(), 1u);
    EXPECT_EQ(watch["leaky_returns"][0]["line"], 12);
    EXPECT_EQ(watch["leaky_returns"][0]["calls"], 1);
    ASSERT_EQ(watch["returns"].size(), 2u);
    EXPECT_EQ(watch["returns"][0]["line"], 11);  // the balanced call returned from 11
    EXPECT_EQ(watch["returns"][0]["net"], 0);
}

TEST(RefwatchLoop, AUsersBreakpointInTheFunctionIsFollowedOneOutsideEndsTheWatchThere) {
    FakeDebugger debugger;
    ScriptedStop user_inside = ours(kLine11, 2);
    user_inside.stop.ours = false;  // only the user's breakpoint 5 at this address
    user_inside.stop.breakpoints = {5};
    ScriptedStop shared = ours(kLine12, 3);  // the user's and ours at one address
    shared.stop.breakpoints = {5, 3};
    ScriptedStop done{ObservedStop{StopCause::Breakpoint, false, {7}, 0x900, {"refleak.c", 66, "done"}, ""},
                      Refcount{}};
    debugger.script = {ours(kEntry, 2), user_inside, shared, ours(kExit, 3), done, ours(kEntry, 4)};
    auto watch = follow(debugger);
    EXPECT_EQ(watch["ended"], "the target stopped at another breakpoint");
    EXPECT_EQ(watch["end_detail"], "breakpoint 7 in done (refleak.c:66)");
    EXPECT_EQ(debugger.resumes, 5u);         // never past done()
    EXPECT_EQ(debugger.refcount_reads, 4u);  // not read at the stop that ends the watch
    // The user's stop at line 11 counted as the line it is in the plan: the change is line 11's.
    ASSERT_EQ(watch["changes"].size(), 1u);
    EXPECT_EQ(watch["changes"][0]["line"], 11);
    ASSERT_EQ(watch["leaky_returns"].size(), 1u);
    EXPECT_EQ(watch["leaky_returns"][0]["line"], 12);
}

TEST(RefwatchLoop, TheCountOfChangesEndsTheWatchWithoutResumingAgain) {
    FakeDebugger debugger;
    debugger.script = {ours(kEntry, 2), ours(kLine11, 3), ours(kLine12, 4), ours(kExit, 5)};
    auto watch = follow(debugger, 2);
    EXPECT_EQ(watch["ended"], "the --count of changes was reached");
    EXPECT_EQ(watch["changes"].size(), 2u);
    EXPECT_EQ(debugger.resumes, 3u);
    EXPECT_EQ(debugger.printed.size(), 2u);
}

TEST(RefwatchLoop, AnObjectThatIsGoneEndsTheWatchWithTheReadsReason) {
    FakeDebugger debugger;
    ScriptedStop freed = ours(kLine11, 0);
    freed.refcount = fail(ErrorCode::BadData, "cannot read 0x1000: the object was freed");
    debugger.script = {ours(kEntry, 2), freed, ours(kLine12, 2)};
    auto watch = follow(debugger);
    EXPECT_EQ(watch["ended"], "the object was freed");
    EXPECT_EQ(watch["end_detail"], "cannot read 0x1000: the object was freed");
    EXPECT_EQ(debugger.resumes, 2u);
}

// How a watch that meets `stop` first ends: (ended, end_detail or "").
std::pair<std::string, std::string> ending_of(ObservedStop stop) {
    FakeDebugger debugger;
    debugger.script = {ScriptedStop{std::move(stop), Refcount{}}};
    auto watch = follow(debugger);
    EXPECT_EQ(debugger.refcount_reads, 0u);
    return {watch["ended"], watch["end_detail"].is_null() ? "" : watch["end_detail"]};
}

TEST(RefwatchLoop, StopsThatAreNotTheWatchsEndItTheSameForEveryDebugger) {
    SourceSite line11 = c_line_at(kLine11);
    using Ending = std::pair<std::string, std::string>;
    // The user's watchpoint ends the watch even inside the function.
    EXPECT_EQ(ending_of({StopCause::Watchpoint, false, {3}, kLine11, line11, ""}),
              Ending("the target stopped at another breakpoint", "watchpoint 3 in leaky (ext.c:11)"));
    EXPECT_EQ(ending_of({StopCause::Signal, false, {}, kLine11, line11, "SIGINT"}),
              Ending("interrupted", ""));
    EXPECT_EQ(ending_of(not_stopped(StopCause::Interrupted)), Ending("interrupted", ""));
    EXPECT_EQ(ending_of({StopCause::Signal, false, {}, kLine11, line11, "SIGSEGV"}),
              Ending("the target stopped for another reason", "SIGSEGV in leaky (ext.c:11)"));
    EXPECT_EQ(ending_of(not_stopped(StopCause::Failed, "Cannot execute this command now.")),
              Ending("an error", "Cannot execute this command now."));
    EXPECT_EQ(ending_of(not_stopped(StopCause::Exited, "The program is not being run.")),
              Ending("the target exited", "The program is not being run."));
    EXPECT_EQ(ending_of({StopCause::Other, false, {}, 0x900, {"??", 0, "??"}, ""}),
              Ending("the target stopped for another reason", "at 0x900"));
    EXPECT_EQ(ending_of(not_stopped(StopCause::Other, "running")),
              Ending("the target stopped for another reason", "running"));
}

}  // namespace
}  // namespace pyxray

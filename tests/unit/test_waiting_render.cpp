// What a blocked thread waits for, where py-xbt, py-threads and `pyxray core` show it: one
// `waiting:` line under the frame it blocks in (ThreadWait::frame), in py-threads' words; and
// py-threads' PYTHON FRAME, the user's frame that called into threading rather than its internals.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pyxray/render.hpp"
#include "stack_frames.hpp"

namespace pyxray {
namespace {

constexpr const char* kThreading = "/usr/lib/python3.12/threading.py";

using testing::native_stack_frame;
using testing::python_stack_frame;

// alpha waits in `with wanted:` for a lock beta ("be\x1bta": a name with an escape) holds;
// beta runs; main waits on an Event, inside Condition.wait.
Snapshot hung_snapshot() {
    Snapshot snapshot;
    ThreadStack alpha;
    alpha.tid = 41;
    alpha.python = true;
    alpha.name = "alpha";
    alpha.frames = {native_stack_frame("futex_wait"), native_stack_frame("lock_PyThread_acquire_lock"),
                    python_stack_frame("take", "/app/hangs.py", 77),
                    native_stack_frame("_PyEval_EvalFrameDefault"),
                    python_stack_frame("hold_then_take", "/app/hangs.py", 83)};
    alpha.frames[2].python.locals = std::vector<Variable>{{"wanted", "<_thread.lock object at 0xa>"}};
    alpha.waiting = ThreadWait{.kind = "lock", .object = 0xa, .held_by = {42}, .probably = true, .frame = 2};
    ThreadStack beta;
    beta.tid = 42;
    beta.python = true;
    beta.name = "be\x1bta";
    beta.frames = {python_stack_frame("spin", "/app/hangs.py", 12)};
    ThreadStack main;
    main.tid = 40;
    main.python = true;
    main.name = "MainThread";
    main.frames = {python_stack_frame("Condition.wait", kThreading, 355),
                   python_stack_frame("Event.wait", kThreading, 655),
                   python_stack_frame("main", "/app/hangs.py", 190)};
    main.waiting = ThreadWait{.kind = "event", .object = 0xe, .frame = 1};
    snapshot.threads = {main, alpha, beta};
    return snapshot;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        out.push_back(text.substr(start, end - start));
    return out;
}

// The line after the one that starts with `prefix`, and how many `waiting:` lines there are.
std::pair<std::string, size_t> line_after(const std::string& text, const std::string& prefix) {
    auto lines = lines_of(text);
    std::string after;
    size_t waits = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].starts_with(prefix) && i + 1 < lines.size()) after = lines[i + 1];
        if (lines[i].find("waiting: ") != std::string::npos) ++waits;
    }
    return {after, waits};
}

TEST(WaitingLine, UnderTheFrameItBlocksInBeforeItsLocalsInPyThreadsWords) {
    Snapshot snapshot = hung_snapshot();
    std::string text = render_xbt_text(snapshot);
    auto [after_take, waits] = line_after(text, "#2   Py  take (/app/hangs.py:77)");
    EXPECT_EQ(after_take, "         waiting: " + render_waiting_text(snapshot, snapshot.threads[1])) << text;
    EXPECT_EQ(after_take, "         waiting: lock 0xa (probably) held by 42 \"be\\x1bta\"") << text;
    EXPECT_EQ(waits, 2u) << text;  // alpha's and main's; beta runs
    EXPECT_EQ(line_after(text, "#1   Py  Event.wait").first, "         waiting: event 0xe") << text;
    EXPECT_NE(text.find("waiting: lock 0xa (probably) held by 42 \"be\\x1bta\"\n"
                        "         wanted = <_thread.lock object at 0xa>\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(WaitingLine, UnderTheHeadingWhenNoFrameIsNamed) {
    Snapshot snapshot = hung_snapshot();
    snapshot.threads[1].waiting->frame = std::nullopt;
    std::string text = render_xbt_text(snapshot);
    EXPECT_EQ(line_after(text, "Thread 41 \"alpha\"").first,
              "  waiting: lock 0xa (probably) held by 42 \"be\\x1bta\"")
        << text;
    snapshot.threads[1].waiting->frame = 99;  // past the last frame: the same
    EXPECT_EQ(render_xbt_text(snapshot), text);
}

TEST(WaitingLine, InPyThreadsStacksAndTheCoreReportToo) {
    Snapshot snapshot = hung_snapshot();
    std::string stacks = render_threads_text(snapshot, ThreadsRenderOptions{.stacks = true, .frames = {}});
    EXPECT_EQ(line_after(stacks, "#2   Py  take").first,
              "         waiting: lock 0xa (probably) held by 42 \"be\\x1bta\"")
        << stacks;
    std::string report = render_crash_report_text(snapshot);
    EXPECT_EQ(line_after(report, "#1   Py  Event.wait").first, "         waiting: event 0xe") << report;
}

TEST(WaitingLine, AJoinNamesTheThreadElseItsThreadObject) {
    Snapshot snapshot = hung_snapshot();
    snapshot.threads[0].waiting = ThreadWait{.kind = "thread", .object = 0x7e, .held_by = {41}, .frame = 1};
    EXPECT_EQ(render_waiting_text(snapshot, snapshot.threads[0]), "thread 41 \"alpha\" (join)");
    snapshot.threads[0].waiting->held_by.clear();
    EXPECT_EQ(render_waiting_text(snapshot, snapshot.threads[0]), "thread 0x7e (join)");
}

TEST(WaitingLine, JsonSaysTheFrameIndex) {
    auto document = nlohmann::json::parse(render_xbt_json(hung_snapshot()));
    EXPECT_EQ(document["threads"][0]["waiting"]["frame"], 1);
    EXPECT_EQ(document["threads"][1]["waiting"]["frame"], 2);
    EXPECT_EQ(document["threads"][1]["waiting"]["kind"], "lock");
    EXPECT_TRUE(document["threads"][2]["waiting"].is_null());
}

// py-threads' line of thread `tid`.
std::string threads_line(const Snapshot& snapshot, int64_t tid) {
    for (const auto& line : lines_of(render_threads_text(snapshot)))
        if (line.starts_with(std::to_string(tid) + " ")) return line;
    return {};
}

TEST(PythonFrameColumn, TheUsersCallerAndThePrimitiveItCalled) {
    Snapshot snapshot = hung_snapshot();
    EXPECT_TRUE(threads_line(snapshot, 40).ends_with("  main (/app/hangs.py:190) in Event.wait"))
        << threads_line(snapshot, 40);
    EXPECT_TRUE(threads_line(snapshot, 41).ends_with("  take (/app/hangs.py:77)"))
        << threads_line(snapshot, 41);
}

TEST(PythonFrameColumn, BeforeCoQualnameTheMethodSaysItsFile) {
    Snapshot snapshot = hung_snapshot();
    for (size_t i : {0, 1}) {
        auto& python = snapshot.threads[0].frames[i].python;
        python.qualname = "wait";
    }
    EXPECT_TRUE(threads_line(snapshot, 40).ends_with("  main (/app/hangs.py:190) in wait (threading.py)"))
        << threads_line(snapshot, 40);
}

TEST(PythonFrameColumn, AThreadOnlyInThreadingShowsItsInnermostFrame) {
    Snapshot snapshot = hung_snapshot();
    snapshot.threads[0].frames = {
        python_stack_frame("Event.wait", kThreading, 655), python_stack_frame("Timer.run", kThreading, 1431),
        python_stack_frame("Thread._bootstrap", "/usr/lib/python3.12/queue.py", 1030)};
    EXPECT_TRUE(threads_line(snapshot, 40).ends_with(std::string("  Event.wait (") + kThreading + ":655)"))
        << threads_line(snapshot, 40);
}

}  // namespace
}  // namespace pyxray

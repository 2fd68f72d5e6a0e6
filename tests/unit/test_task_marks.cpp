// py-xbt's task marks (asyncio/task_marks.hpp): a running task's name on the Python frames from
// its coroutine's frame to the innermost, on its loop's thread only, and in text and JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "asyncio/task_marks.hpp"
#include "pyxray/render.hpp"
#include "stack_frames.hpp"

namespace pyxray {
namespace {

using testing::native_stack_frame;
using testing::python_stack_frame;

// loop-b: sleep <- block_in_c <- runner (the task's coroutine, 0xb2) <- Handle._run <- run_loop.
Snapshot loop_snapshot() {
    Snapshot snapshot;
    ThreadStack loop;
    loop.tid = 12;
    loop.frames = {native_stack_frame("clock_nanosleep"),
                   python_stack_frame("block_in_c", "/app.py", 7, 0xb1),
                   python_stack_frame("runner", "/app.py", 7, 0xb2),
                   native_stack_frame("task_step"),
                   python_stack_frame("_run", "/app.py", 7, 0xb3),
                   python_stack_frame("run_loop", "/app.py", 7, 0xb4)};
    ThreadStack other;
    other.tid = 11;
    other.frames = {python_stack_frame("main", "/app.py", 7, 0xa1)};
    snapshot.threads = {other, loop};
    return snapshot;
}

std::vector<std::optional<std::string>> marks(const ThreadStack& thread) {
    std::vector<std::optional<std::string>> out;
    for (const auto& frame : thread.frames)
        if (frame.kind == StackFrame::Kind::Python)
            out.push_back(frame.python.task ? std::optional(frame.python.task->name) : std::nullopt);
    return out;
}

TEST(TaskMarks, FromTheCoroutineFrameToTheInnermostOnItsLoopsThreadOnly) {
    Snapshot snapshot = loop_snapshot();
    mark_running_tasks(snapshot, {RunningTask{0, 0x7f00, "b-runner", 12, 0xb2}});
    using Marks = std::vector<std::optional<std::string>>;
    EXPECT_EQ(marks(snapshot.threads[1]), (Marks{"b-runner", "b-runner", std::nullopt, std::nullopt}));
    EXPECT_EQ(snapshot.threads[1].frames[1].python.task->address, 0x7f00u);
    EXPECT_EQ(marks(snapshot.threads[0]), (Marks{std::nullopt}));
    EXPECT_TRUE(snapshot.threads[1].notes.empty());

    std::string text = render_xbt_text(snapshot);
    EXPECT_NE(text.find("Py  block_in_c (/app.py:7) [task \"b-runner\"]\n"), std::string::npos) << text;
    EXPECT_NE(text.find("Py  _run (/app.py:7)\n"), std::string::npos) << text;
    auto document = nlohmann::json::parse(render_xbt_json(snapshot));
    const auto& frames = document["threads"][1]["frames"];
    EXPECT_EQ(frames[2]["task"], (nlohmann::json{{"name", "b-runner"}, {"address", "0x7f00"}}));
    EXPECT_TRUE(frames[4]["task"].is_null());
    EXPECT_TRUE(document["threads"][0]["frames"][0]["task"].is_null());
}

TEST(TaskMarks, ATaskWhoseFrameIsNotOnItsThreadLeavesANoteAndNoMark) {
    Snapshot snapshot = loop_snapshot();
    mark_running_tasks(
        snapshot, {RunningTask{0, 0x7f00, "lost", 12, 0xdead}, RunningTask{0, 0x7f01, "no-thread", 99, 0xb2},
                   RunningTask{0, 0x7f02, "no-frame", std::nullopt, 0}});
    for (const auto& thread : snapshot.threads)
        for (const auto& mark : marks(thread)) EXPECT_FALSE(mark);
    ASSERT_EQ(snapshot.threads[1].notes.size(), 1u);
    EXPECT_NE(snapshot.threads[1].notes[0].find("\"lost\" (0x7f00)"), std::string::npos);
}

TEST(TaskMarks, ATaskRunInsideAnotherKeepsItsOwnMark) {
    Snapshot snapshot = loop_snapshot();
    mark_running_tasks(snapshot,
                       {RunningTask{0, 0x1, "inner", 12, 0xb1}, RunningTask{0, 0x2, "outer", 12, 0xb3}});
    using Marks = std::vector<std::optional<std::string>>;
    EXPECT_EQ(marks(snapshot.threads[1]), (Marks{"inner", "outer", "outer", std::nullopt}));
}

}  // namespace
}  // namespace pyxray

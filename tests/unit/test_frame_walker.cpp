// Thread-state and frame walking on synthetic 3.11 and 3.12 images.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "interp/thread_states.hpp"
#include "synthetic_python.hpp"
#include "walk_helpers.hpp"

namespace {

using pyxray::testing::names;
using pyxray::testing::walk;

using pyxray::FrameOwner;
using pyxray::Offsets;
using pyxray::PyThread;
using pyxray::testing::SyntheticPython;

TEST(FrameWalker, ShimFramesSplitEvalCallsIn312) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t key = image.make_code("key_fn", "key_fn", "/t.py", 10);
    uint64_t caller = image.make_code("run", "Job.run", "/t.py", 20);
    uint64_t module = image.make_code("<module>", "<module>", "/t.py", 1);
    uint64_t shim = image.make_code("<shim>", "<shim>", "<shim>", 0);
    uint64_t newest = image.chain({image.make_frame(key, 3), image.make_frame(shim, 0, FrameOwner::CStack),
                                   image.make_frame(caller, 5), image.make_frame(module, 2),
                                   image.make_frame(shim, 0, FrameOwner::CStack)});
    image.add_thread(4242, newest);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].native_thread_id, 4242u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"key_fn:13", "Job.run:25", "<module>:3"}));
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{1, 2}));
    EXPECT_FALSE(threads[0].truncated);
    EXPECT_EQ(threads[0].frames[0].function, "key_fn");
    EXPECT_EQ(threads[0].frames[0].file, "/t.py");
}

TEST(FrameWalker, EntryFlagsSplitEvalCallsIn311) {
    const Offsets& o = pyxray::offsets_3_11();
    SyntheticPython image(o);
    uint64_t a = image.make_code("a", "a", "/a.py", 100);
    uint64_t b = image.make_code("b", "b", "/a.py", 200);
    uint64_t newest = image.chain({image.make_frame(a, 0, FrameOwner::Thread, true), image.make_frame(b, 1),
                                   image.make_frame(b, 2, FrameOwner::Thread, true)});
    image.add_thread(7, newest);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"a:100", "b:201", "b:202"}));
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{1, 2}));
}

TEST(FrameWalker, IncompleteFramesAreHiddenButStillEndTheirCall) {
    const Offsets& o = pyxray::offsets_3_11();
    SyntheticPython image(o);
    uint64_t starting = image.make_code("starting", "starting", "/a.py", 1, 16, /*first_traceable=*/4);
    uint64_t caller = image.make_code("caller", "caller", "/a.py", 50);
    uint64_t newest = image.chain({image.make_frame(starting, 1, FrameOwner::Thread, true),
                                   image.make_frame(caller, 0, FrameOwner::Thread, true)});
    image.add_thread(7, newest);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"caller:50"}));
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{0, 1}));
}

TEST(FrameWalker, CycleInFrameChainStopsWithReason) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("spin", "spin", "/a.py", 1);
    uint64_t first = image.make_frame(code, 0);
    uint64_t second = image.make_frame(code, 1);
    image.link(first, second);
    image.link(second, first);
    image.add_thread(9, first);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].frames.size(), 2u);
    ASSERT_TRUE(threads[0].truncated);
    EXPECT_NE(threads[0].truncated->find("loops back"), std::string::npos) << *threads[0].truncated;
}

TEST(FrameWalker, NonCodeObjectStopsWithReason) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("ok", "ok", "/a.py", 1);
    uint64_t not_code = image.make_str("i am a str");
    uint64_t newest = image.chain({image.make_frame(code, 0), image.make_frame(not_code, 0)});
    image.add_thread(9, newest);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].frames.size(), 1u);
    ASSERT_TRUE(threads[0].truncated);
    EXPECT_NE(threads[0].truncated->find("not a code object"), std::string::npos) << *threads[0].truncated;
}

TEST(FrameWalker, UnreadableFrameStopsWithReason) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("ok", "ok", "/a.py", 1);
    uint64_t frame = image.make_frame(code, 0);
    image.link(frame, 0xdead0000);
    image.add_thread(9, frame);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].frames.size(), 1u);
    ASSERT_TRUE(threads[0].truncated);
    EXPECT_NE(threads[0].truncated->find("0xdead0000"), std::string::npos);
}

TEST(FrameWalker, HundredThousandFramesDecodeCompletely) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("rec", "rec", "/deep.py", 7);
    std::vector<uint64_t> frames;
    for (int i = 0; i < 100'000; ++i) frames.push_back(image.make_frame(code, i % 3));
    frames.push_back(image.make_frame(code, 0, FrameOwner::CStack));
    image.add_thread(1, image.chain(frames));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].frames.size(), 100'000u);
    EXPECT_FALSE(threads[0].truncated);
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{100'000}));
}

TEST(ThreadStates, EveryThreadOfTheInterpreterIsListed) {
    const Offsets& o = pyxray::offsets_3_11();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 1);
    for (uint64_t id : {11, 12, 13})
        image.add_thread(id, image.make_frame(code, 0, FrameOwner::Thread, true));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 3u);
    EXPECT_EQ(threads[0].native_thread_id, 13u);  // newest thread state first, as CPython links them
    EXPECT_EQ(threads[2].native_thread_id, 11u);
}

pyxray::Result<pyxray::ThreadStateWalk> walk_states(const SyntheticPython& image, const Offsets& o) {
    auto memory = image.memory();
    pyxray::CodeCache codes(*memory, o);
    return pyxray::read_thread_states(*memory, o, image.runtime(), codes, true);
}

TEST(ThreadStates, AThreadListThatLoopsEndsWithANote) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 1);
    uint64_t first = image.add_thread(21, image.make_frame(code, 0, FrameOwner::CStack));
    uint64_t second = image.add_thread(22, image.make_frame(code, 0, FrameOwner::CStack));
    image.put64(first + o.thread_state.next, second);  // 22 -> 21 -> 22 -> ...
    auto states = walk_states(image, o);
    ASSERT_TRUE(states) << states.error().message;
    EXPECT_EQ(states->threads.size(), 2u);
    ASSERT_EQ(states->notes.size(), 1u);
    EXPECT_EQ(states->notes[0], fmt::format("interpreter 0: its thread list loops back to {:#x}", second));
}

TEST(ThreadStates, AnUnreadableThreadStateEndsItsListWithANote) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 1);
    uint64_t first = image.add_thread(31, image.make_frame(code, 0, FrameOwner::CStack));
    image.add_thread(32, image.make_frame(code, 0, FrameOwner::CStack));
    image.put64(first + o.thread_state.next, 0xdead0000);
    auto states = walk_states(image, o);
    ASSERT_TRUE(states) << states.error().message;
    EXPECT_EQ(states->threads.size(), 2u);
    ASSERT_EQ(states->notes.size(), 1u);
    EXPECT_NE(states->notes[0].find("thread state 0xdead0000 is unreadable"), std::string::npos)
        << states->notes[0];
}

TEST(ThreadStates, ACompleteWalkHasNoNotes) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    image.add_thread(41, image.make_frame(image.make_code("f", "f", "/a.py", 1), 0, FrameOwner::CStack));
    auto states = walk_states(image, o);
    ASSERT_TRUE(states) << states.error().message;
    EXPECT_EQ(states->threads.size(), 1u);
    EXPECT_TRUE(states->notes.empty());
}

TEST(ThreadStates, RuntimeWithoutInterpreterIsAnError) {
    const Offsets& o = pyxray::offsets_3_12();
    SyntheticPython image(o);
    image.put64(image.runtime() + o.runtime_state.interpreters_head, 0);
    auto memory = image.memory();
    pyxray::CodeCache codes(*memory, o);
    auto threads = pyxray::read_thread_states(*memory, o, image.runtime(), codes, true);
    ASSERT_FALSE(threads.has_value());
    EXPECT_NE(threads.error().message.find("no interpreter"), std::string::npos);
}

}  // namespace

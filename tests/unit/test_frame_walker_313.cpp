// Thread-state and frame walking on synthetic CPython 3.13 images: tstate->current_frame with
// no _PyCFrame, f_executable that may be None, instr_ptr at the executing instruction.
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

// An object of a type other than code, as _PyEval_EvalFrameDefault's entry frame holds (None).
uint64_t make_none(SyntheticPython& image, const Offsets& o) {
    uint64_t none_type = image.make_type("NoneType");
    uint64_t none = image.make_str("None");  // any object: only its type is looked at
    image.put64(none + o.pyobject.ob_type, none_type);
    return none;
}

TEST(FrameWalker313, TableHasCurrentFrameAndNoCFrame) {
    const Offsets& o = pyxray::offsets_3_13();
    EXPECT_TRUE(o.thread_state.current_frame.has_value());
    EXPECT_FALSE(o.thread_state.cframe.has_value());
    EXPECT_TRUE(o.interpreter_frame.executable_may_be_non_code);
    EXPECT_FALSE(o.interpreter_frame.is_entry.has_value());
    EXPECT_FALSE(pyxray::offsets_3_12().thread_state.current_frame.has_value());
    EXPECT_FALSE(pyxray::offsets_3_12().interpreter_frame.executable_may_be_non_code);
}

TEST(FrameWalker313, EntryFramesWithNoneExecutableSplitEvalCalls) {
    const Offsets& o = pyxray::offsets_3_13();
    SyntheticPython image(o);
    uint64_t key = image.make_code("key_fn", "sorter.<locals>.key_fn", "/t.py", 10);
    uint64_t sorter = image.make_code("sorter", "sorter", "/t.py", 20);
    uint64_t module = image.make_code("<module>", "<module>", "/t.py", 1);
    uint64_t none = make_none(image, o);
    uint64_t entry_a = image.make_frame(sorter, 0, FrameOwner::CStack);
    uint64_t entry_b = image.make_frame(sorter, 0, FrameOwner::CStack);
    image.put64(entry_a + o.interpreter_frame.executable, none);
    image.put64(entry_b + o.interpreter_frame.executable, none);
    uint64_t newest = image.chain({image.make_frame(key, 3), entry_a, image.make_frame(sorter, 5),
                                   image.make_frame(module, 2), entry_b});
    image.add_thread(4242, newest);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].native_thread_id, 4242u);
    EXPECT_EQ(names(threads[0]),
              (std::vector<std::string>{"sorter.<locals>.key_fn:13", "sorter:25", "<module>:3"}));
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{1, 2}));
    EXPECT_FALSE(threads[0].truncated);
}

TEST(FrameWalker313, NonCodeExecutableIsSkippedAndTheWalkGoesOn) {
    const Offsets& o = pyxray::offsets_3_13();
    SyntheticPython image(o);
    uint64_t inner = image.make_code("inner", "inner", "/a.py", 100);
    uint64_t outer = image.make_code("outer", "outer", "/a.py", 200);
    uint64_t odd = image.make_frame(inner, 0);
    image.put64(odd + o.interpreter_frame.executable, make_none(image, o));
    uint64_t newest = image.chain({image.make_frame(inner, 1), odd, image.make_frame(outer, 2)});
    image.add_thread(7, newest);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"inner:101", "outer:202"}));
    EXPECT_FALSE(threads[0].truncated);
}

TEST(FrameWalker313, UnreadableExecutableStillEndsTheWalkWithReason) {
    const Offsets& o = pyxray::offsets_3_13();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 1);
    uint64_t broken = image.make_frame(code, 0);
    image.put64(broken + o.interpreter_frame.executable, 0xdead0000);
    image.add_thread(7, image.chain({image.make_frame(code, 1), broken, image.make_frame(code, 2)}));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"f:2"}));
    ASSERT_TRUE(threads[0].truncated);
}

TEST(FrameWalker313, IncompleteFramesAreHiddenAsIn312) {
    const Offsets& o = pyxray::offsets_3_13();
    SyntheticPython image(o);
    uint64_t starting = image.make_code("starting", "starting", "/a.py", 1, 16, /*first_traceable=*/4);
    uint64_t caller = image.make_code("caller", "caller", "/a.py", 50);
    // instr_ptr below _co_firsttraceable: not started; at it: started (RESUME executing).
    image.add_thread(7, image.chain({image.make_frame(starting, 3), image.make_frame(starting, 4),
                                     image.make_frame(caller, 0)}));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"starting:5", "caller:50"}));
}

}  // namespace

// Merging synthetic native stacks with Python frames.
#include <gtest/gtest.h>

#include "merge/classify.hpp"
#include "merge/merge.hpp"

namespace {

using pyxray::NativeFrame;
using pyxray::PyFrame;
using pyxray::PyThread;
using pyxray::StackFrame;

PyThread python_thread(std::vector<std::string> names, std::vector<size_t> segments) {
    PyThread thread;
    thread.native_thread_id = 100;
    for (auto& name : names) thread.frames.push_back(PyFrame{name, name, "/x.py", 1, 0, 0, false});
    thread.segment_sizes = std::move(segments);
    return thread;
}

std::vector<NativeFrame> native(std::vector<std::string> names) {
    std::vector<NativeFrame> frames;
    uint64_t pc = 0x1000;
    for (auto& name : names) frames.push_back(NativeFrame{pc++, name, "/lib/libpython3.11.so"});
    return frames;
}

std::vector<std::string> rendered(const std::vector<StackFrame>& frames) {
    std::vector<std::string> out;
    for (const auto& frame : frames)
        out.push_back(frame.kind == StackFrame::Kind::Python ? "py:" + frame.python.function
                                                             : "c:" + frame.native.function);
    return out;
}

const std::vector<std::string> kSortStack = {"clock_nanosleep",
                                             "time_sleep",
                                             "cfunction_vectorcall_O",
                                             "_PyEval_EvalFrameDefault",
                                             "_PyEval_Vector",
                                             "_PyObject_VectorcallTstate",
                                             "unsafe_object_compare",
                                             "list_sort_impl.lto_priv.0",
                                             "method_vectorcall_FASTCALL_KEYWORDS",
                                             "_PyEval_EvalFrameDefault.cold",
                                             "_PyEval_Vector",
                                             "PyEval_EvalCode",
                                             "main"};

TEST(Merge, EachEvalFrameIsReplacedByItsPythonFrames) {
    auto stack = pyxray::merge_thread(100, native(kSortStack),
                                      python_thread({"key_fn", "sorter", "main"}, {1, 2}), false);
    EXPECT_TRUE(stack.merged);
    EXPECT_TRUE(stack.notes.empty());
    EXPECT_EQ(
        rendered(stack.frames),
        (std::vector<std::string>{"c:clock_nanosleep", "c:time_sleep", "py:key_fn", "c:unsafe_object_compare",
                                  "c:list_sort_impl.lto_priv.0", "py:sorter", "py:main", "c:main"}));
}

TEST(Merge, NativeAllKeepsPlumbingAndEvalFrames) {
    auto stack = pyxray::merge_thread(100, native(kSortStack),
                                      python_thread({"key_fn", "sorter", "main"}, {1, 2}), true);
    EXPECT_TRUE(stack.merged);
    EXPECT_EQ(stack.frames.size(), kSortStack.size() + 3);
    EXPECT_EQ(rendered(stack.frames)[2], "c:cfunction_vectorcall_O");
    EXPECT_EQ(rendered(stack.frames)[3], "py:key_fn");
    EXPECT_EQ(rendered(stack.frames)[4], "c:_PyEval_EvalFrameDefault");
}

TEST(Merge, CountMismatchShowsBothStacksAndSaysWhy) {
    auto stack = pyxray::merge_thread(100, native(kSortStack), python_thread({"only"}, {1}), false);
    EXPECT_FALSE(stack.merged);
    EXPECT_EQ(rendered(stack.frames), (std::vector<std::string>{"py:only"}));
    EXPECT_EQ(stack.unmerged_native.size(), kSortStack.size());
    ASSERT_EQ(stack.notes.size(), 1u);
    EXPECT_NE(stack.notes[0].find("2 eval-loop frames"), std::string::npos) << stack.notes[0];
    EXPECT_NE(stack.notes[0].find("1 Python entry frames"), std::string::npos) << stack.notes[0];
}

TEST(Merge, EmptySegmentsConsumeTheirEvalFrame) {
    auto stack =
        pyxray::merge_thread(100, native({"_PyEval_EvalFrameDefault", "helper", "_PyEval_EvalFrameDefault"}),
                             python_thread({"outer"}, {0, 1}), false);
    EXPECT_TRUE(stack.merged);
    EXPECT_EQ(rendered(stack.frames), (std::vector<std::string>{"c:helper", "py:outer"}));
}

TEST(Merge, TruncatedPythonWalkIsNoted) {
    auto thread = python_thread({"a"}, {1});
    thread.truncated = "frame chain loops back to 0x10";
    auto stack = pyxray::python_only_thread(100, thread);
    ASSERT_EQ(stack.notes.size(), 1u);
    EXPECT_NE(stack.notes[0].find("loops back"), std::string::npos);
}

TEST(Classify, GccCloneSuffixesNameTheSameFunction) {
    EXPECT_EQ(pyxray::base_symbol_name("time_sleep.lto_priv.0"), "time_sleep");
    EXPECT_EQ(pyxray::base_symbol_name("_PyEval_EvalFrameDefault.cold"), "_PyEval_EvalFrameDefault");
    EXPECT_EQ(pyxray::classify_native("_PyEval_EvalFrameDefault.cold"), pyxray::NativeRole::EvalLoop);
    EXPECT_EQ(pyxray::classify_native("_PyFunction_Vectorcall"), pyxray::NativeRole::Plumbing);
    EXPECT_EQ(pyxray::classify_native("list_sort_impl"), pyxray::NativeRole::Other);
    EXPECT_EQ(pyxray::classify_native(""), pyxray::NativeRole::Other);
    EXPECT_EQ(pyxray::without_symbol_version("clock_nanosleep@GLIBC_2.2.5"), "clock_nanosleep");
    EXPECT_EQ(pyxray::without_symbol_version("memcpy@@GLIBC_2.14"), "memcpy");
    EXPECT_EQ(pyxray::without_symbol_version("time_sleep"), "time_sleep");
}

}  // namespace

#include "merge/merge.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "merge/classify.hpp"

namespace pyxray {
namespace {

StackFrame python_frame(const PyFrame& frame) { return StackFrame{StackFrame::Kind::Python, frame, {}}; }
StackFrame python_frame(PyFrame&& frame) {
    return StackFrame{StackFrame::Kind::Python, std::move(frame), {}};
}
StackFrame native_frame(const NativeFrame& frame) { return StackFrame{StackFrame::Kind::Native, {}, frame}; }

std::vector<StackFrame> all_native(const std::vector<NativeFrame>& native) {
    std::vector<StackFrame> frames;
    frames.reserve(native.size());
    for (const auto& frame : native) frames.push_back(native_frame(frame));
    return frames;
}

ThreadStack base_stack(int64_t tid, const PyThread& python) {
    ThreadStack stack;
    stack.tid = tid;
    stack.python = true;
    PyThread identity;  // the frames live in `frames`; the state keeps who the thread is
    identity.tstate = python.tstate;
    identity.native_thread_id = python.native_thread_id;
    identity.thread_id = python.thread_id;
    identity.interpreter_id = python.interpreter_id;
    identity.truncated = python.truncated;
    stack.state = std::move(identity);
    if (python.truncated) stack.notes.push_back("Python stack truncated: " + *python.truncated);
    stack.notes.insert(stack.notes.end(), python.notes.begin(), python.notes.end());
    return stack;
}

size_t count_eval_frames(const std::vector<NativeFrame>& native) {
    return std::count_if(native.begin(), native.end(), [](const NativeFrame& frame) {
        return classify_native(frame.function) == NativeRole::EvalLoop;
    });
}

}  // namespace

ThreadStack python_only_thread(int64_t tid, const PyThread& python) {
    ThreadStack stack = base_stack(tid, python);
    stack.frames.reserve(python.frames.size());
    for (const auto& frame : python.frames) stack.frames.push_back(python_frame(frame));
    return stack;
}

ThreadStack python_only_thread(int64_t tid, PyThread&& python) {
    ThreadStack stack = base_stack(tid, python);
    stack.frames.reserve(python.frames.size());
    for (auto& frame : python.frames) stack.frames.push_back(python_frame(std::move(frame)));
    return stack;
}

ThreadStack native_only_thread(int64_t tid, const std::vector<NativeFrame>& native) {
    ThreadStack stack;
    stack.tid = tid;
    stack.frames = all_native(native);
    return stack;
}

ThreadStack merge_thread(int64_t tid, const std::vector<NativeFrame>& native, const PyThread& python,
                         bool native_all) {
    size_t eval_frames = count_eval_frames(native);
    size_t segments = python.segment_sizes.size();
    if (eval_frames != segments) {
        ThreadStack stack = python_only_thread(tid, python);
        stack.unmerged_native = all_native(native);
        stack.notes.push_back(
            fmt::format("not merged: {} eval-loop frames in the native stack but {} Python entry frames; "
                        "showing both stacks",
                        eval_frames, segments));
        return stack;
    }
    ThreadStack stack = base_stack(tid, python);
    stack.merged = true;
    stack.frames.reserve(python.frames.size() + native.size());
    size_t segment = 0, next_python = 0;
    for (size_t index = 0; index < native.size(); ++index) {
        const NativeFrame& frame = native[index];
        NativeRole role = classify_native(frame.function);
        if (role == NativeRole::EvalLoop) {
            size_t end = next_python + python.segment_sizes[segment++];
            for (; next_python < end; ++next_python) {
                stack.frames.push_back(python_frame(python.frames[next_python]));
                stack.frames.back().native_index = index;
            }
            if (native_all) stack.frames.push_back(native_frame(frame));
        } else if (role == NativeRole::Other || native_all) {
            stack.frames.push_back(native_frame(frame));
        }
    }
    return stack;
}

}  // namespace pyxray

// Merges one thread's native stack with its Python frames: each eval-loop C frame is replaced
// by the Python frames it runs. When the counts disagree, nothing is guessed.
#pragma once

#include <vector>

#include "pyxray/model.hpp"

namespace pyxray {

// `native` innermost first. Plumbing frames are dropped unless `native_all`.
ThreadStack merge_thread(int64_t tid, const std::vector<NativeFrame>& native, const PyThread& python,
                         bool native_all);
ThreadStack python_only_thread(int64_t tid, const PyThread& python);
// The same, its frames moved rather than copied (a sampler's thousands of snapshots a second).
ThreadStack python_only_thread(int64_t tid, PyThread&& python);
ThreadStack native_only_thread(int64_t tid, const std::vector<NativeFrame>& native);

}  // namespace pyxray

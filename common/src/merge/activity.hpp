// py-threads' state word: what a thread is doing, told by its native stack and the GIL.
#pragma once

#include <optional>
#include <vector>

#include "pyxray/model.hpp"

namespace pyxray {

// `native` innermost first, or null when the native stack is not known (--python-only, an
// unwinder error); then only the GIL can tell: its holder runs Python.
ThreadActivity thread_activity(const std::vector<NativeFrame>* native, std::optional<bool> holds_gil);

}  // namespace pyxray

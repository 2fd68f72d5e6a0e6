// py-threads' state word: what a thread is doing, told by its native stack and the GIL.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "pyxray/model.hpp"

namespace pyxray {

// "__GI___clock_nanosleep", "__libc_select", "__select" -> "clock_nanosleep", "select".
std::string_view plain_libc_name(std::string_view name);

// `native` innermost first, or null when the native stack is not known (--python-only, an
// unwinder error); then only the GIL can tell: its holder runs Python. `python`: the thread
// has a thread state (its `holds_gil` false is then the GIL's answer, not a default).
ThreadActivity thread_activity(const std::vector<NativeFrame>* native, std::optional<bool> holds_gil,
                               bool python = true);

}  // namespace pyxray

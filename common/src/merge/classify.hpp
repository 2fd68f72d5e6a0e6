// What a native frame is to the merger: an eval-loop call, interpreter plumbing, or other.
#pragma once

#include <string_view>

namespace pyxray {

enum class NativeRole { EvalLoop, Plumbing, Other };

// "time_sleep.lto_priv.0" -> "time_sleep": GCC's clone suffixes name the same function.
std::string_view base_symbol_name(std::string_view name);
NativeRole classify_native(std::string_view function);

}  // namespace pyxray

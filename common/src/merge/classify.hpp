// What a native frame is to the merger: an eval-loop call, interpreter plumbing, or other.
#pragma once

#include <string_view>

namespace pyxray {

enum class NativeRole { EvalLoop, Plumbing, Other };

// "time_sleep.lto_priv.0" -> "time_sleep": GCC's clone suffixes name the same function.
std::string_view base_symbol_name(std::string_view name);
NativeRole classify_native(std::string_view function);
// "clock_nanosleep@GLIBC_2.2.5" -> "clock_nanosleep": unwinders differ in showing ELF symbol
// versions; dropping them makes the three front-ends name frames alike.
std::string_view without_symbol_version(std::string_view name);

}  // namespace pyxray

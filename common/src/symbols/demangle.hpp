// C++ symbol names as people read them: `_ZN3app6Worker5blockEP7_object` is
// `app::Worker::block(_object*)`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pyxray/target.hpp"

namespace pyxray {

// The Itanium C++ ABI demangling (abi::__cxa_demangle) of a `_Z` name, clone suffixes such as
// `.cold` included; nothing for C names and for what the demangler rejects.
std::optional<std::string> demangle(std::string_view linkage_name);

// Done once by the core for every front-end's native frames: the function without its symbol
// version (`@@GLIBC_2.2.5`), demangled; `linkage_name` keeps the raw name (without the version)
// unless the front-end set it.
void use_readable_name(NativeFrame& frame);

}  // namespace pyxray

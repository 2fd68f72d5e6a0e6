// What `pyxray ... --core FILE` says on stderr while it decompresses a compressed core: a line
// when it starts, one updated in place on a terminal while it runs, a line when it is done.
#pragma once

#include <string>

#include "pyxray/compressed_core.hpp"

namespace pyxray::cli {

// Writes to stderr; `core_path` is the file as the user named it.
DecompressionObserver decompression_notice(const std::string& core_path);

}  // namespace pyxray::cli

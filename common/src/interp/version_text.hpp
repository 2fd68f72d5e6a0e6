// The CPython version as Py_GetVersion() wrote it ("3.9.18 (main, ...) [GCC ...]") into its
// static buffer, found without symbols: for a libpython before 3.11 (no Py_Version) whose
// .symtab, and with it the buffer's `version.0` symbol, was stripped, or whose file was renamed
// so that its name no longer says "python3.X".
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "layout/offsets.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

// "3.MINOR.MICRO" at the start of `text` when followed by a build tag and " (", as
// Py_GetVersion formats it; `minor` (if known) must match.
std::optional<PythonVersion> parse_version_text(std::string_view text, std::optional<int> minor);

// Scans the module's .bss in the target (the buffer is a zero-initialised static) for the text.
std::optional<PythonVersion> version_from_buffer_scan(const Memory& memory, const ModuleSymbols& symbols,
                                                      std::optional<int> minor);

}  // namespace pyxray

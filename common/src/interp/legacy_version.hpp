// The micro version of a CPython without Py_Version (before 3.11).
#pragma once

#include "layout/offsets.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

// `version` (major.minor, from the module's name) with its micro version read from the target,
// or with micro = -1 when the target does not tell: reported as "3.9", never a guessed "3.9.0".
PythonVersion with_micro_version(const Target& target, const ModuleInfo& module, PythonVersion version);

}  // namespace pyxray

// Finds _PyRuntime and the CPython version in a target, and picks the layout for it.
#pragma once

#include "layout/offsets.hpp"
#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

struct LocatedRuntime {
    RuntimeInfo info;
    const Offsets* offsets = nullptr;
};

Result<LocatedRuntime> locate_runtime(const Target& target);

}  // namespace pyxray

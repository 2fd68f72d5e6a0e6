// Finds _PyRuntime and the CPython version in a target, and picks the layout for it.
#pragma once

#include "layout/offsets.hpp"
#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

struct LocatedRuntime {
    RuntimeInfo info;
    const Offsets* offsets = nullptr;
    std::string layout_note;  // where `offsets` came from (3.13+: the target's own table or not)
};

Result<LocatedRuntime> locate_runtime(const Target& target);

}  // namespace pyxray

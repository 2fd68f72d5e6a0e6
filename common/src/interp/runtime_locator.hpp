// Finds _PyRuntime and the CPython version in a target, and picks the layout for it.
#pragma once

#include "layout/offsets.hpp"
#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

struct LocatedRuntime {
    RuntimeInfo info;
    const Offsets* offsets = nullptr;
    std::string layout_note;         // where `offsets` came from (3.13+: the target's own table or not)
    bool from_target_table = false;  // `offsets` merges the target's validated _Py_DebugOffsets
    std::string found_by;            // "the _PyRuntime symbol of /usr/lib/...", "a scan of ..."
};

// Tries, in order: the _PyRuntime symbol (.symtab or .dynsym), the .PyRuntime section, and a
// scan of the target's writable memory for _Py_DebugOffsets' cookie (3.13+); the error says
// what each found.
Result<LocatedRuntime> locate_runtime(const Target& target);

}  // namespace pyxray

// Py_REFCNT of a remote object, read per object-header layout (layout::RefcountOffsets).
#pragma once

#include <cstdint>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/refwatch.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

// Fails when `address` holds no object, or one whose count says it was freed.
Result<Refcount> read_refcount(const Memory& memory, const Offsets& offsets, uint32_t version_hex,
                               uint64_t address);

}  // namespace pyxray

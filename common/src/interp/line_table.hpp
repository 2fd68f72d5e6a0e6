// CPython 3.11+ location tables (co_linetable), as described in CPython's
// Objects/locations.md: pure decoding over bytes, no target access.
#pragma once

#include <cstdint>
#include <span>

namespace pyxray {

// The source line of the instruction at `code_unit` (index in 2-byte code units), or -1 when
// the table says that instruction has no location. Malformed tables end the scan: bounded by
// the table's size.
int line_for_code_unit(std::span<const uint8_t> table, int first_line, int code_unit);

}  // namespace pyxray

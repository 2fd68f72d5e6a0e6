// The line tables of CPython 3.8-3.10: co_lnotab (3.8-3.9) and the 3.10 co_linetable. Pure
// decoding over bytes, no target access; each scan is bounded by the table's size.
#pragma once

#include <cstdint>
#include <span>

namespace pyxray {

// PyCode_Addr2Line of 3.8-3.9: the line of the instruction at byte offset `byte_offset`.
// A negative offset (a frame that has not started) gives `first_line`, as CPython does.
int lnotab_line(std::span<const uint8_t> lnotab, int first_line, int byte_offset);

// PyCode_Addr2Line of 3.10: the line of the instruction at byte offset `byte_offset`, or -1
// when the table gives it none. A negative offset gives `first_line`.
int linetable310_line(std::span<const uint8_t> linetable, int first_line, int byte_offset);

}  // namespace pyxray

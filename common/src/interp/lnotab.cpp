#include "interp/lnotab.hpp"

namespace pyxray {

// Pairs of (unsigned byte offset delta, signed line delta), Objects/lnotab_notes.txt of 3.8.
int lnotab_line(std::span<const uint8_t> lnotab, int first_line, int byte_offset) {
    int line = first_line;
    int address = 0;
    for (size_t i = 0; i + 1 < lnotab.size(); i += 2) {
        address += lnotab[i];
        if (address > byte_offset) break;
        line += static_cast<int8_t>(lnotab[i + 1]);
    }
    return line;
}

// Pairs of (unsigned byte length of a range, signed line delta, -128 for "no line"),
// Objects/lnotab_notes.txt of 3.10. Empty ranges only carry their line delta forward.
int linetable310_line(std::span<const uint8_t> linetable, int first_line, int byte_offset) {
    if (byte_offset < 0) return first_line;
    constexpr int8_t kNoLine = -128;
    int computed_line = first_line;
    int end = 0;
    for (size_t i = 0; i + 1 < linetable.size(); i += 2) {
        int start = end;
        end += linetable[i];
        auto delta = static_cast<int8_t>(linetable[i + 1]);
        if (delta != kNoLine) computed_line += delta;
        if (start < end && byte_offset < end) return delta == kNoLine ? -1 : computed_line;
    }
    return -1;
}

}  // namespace pyxray

// Python's repr() of a float, without running Python: the shortest digits that round-trip
// (std::to_chars, as Python's own dtoa in mode 0), laid out by float_repr_style 'r' rules.
#pragma once

#include <string>

namespace pyxray::objects {

// "0.1", "1e+300", "1e-07", "123456789.0", "1.2345678901234568e+16", "inf", "-inf", "nan", "-0.0".
std::string format_float_repr(double value);

}  // namespace pyxray::objects

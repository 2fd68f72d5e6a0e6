// float: PyFloatObject.ob_fval, printed as Python's repr (Python/pystrtod.c, format code 'r'
// with Py_DTSF_ADD_DOT_0): exponent form when the decimal point position is below -3 or above
// 16 (exponent < -4 or >= 16), "e+NN"/"e-NN" with at least two exponent digits, ".0" after
// an integral fixed-point value.
#include "objects/floats.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "objects/decoder.hpp"

namespace pyxray::objects {

std::string format_float_repr(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
    std::string sign = std::signbit(value) ? "-" : "";
    if (value == 0) return sign + "0.0";
    // Shortest round-trip digits in scientific form: d[.ddd]e[+-]XX.
    char buffer[64];
    auto [end, error] =
        std::to_chars(buffer, buffer + sizeof(buffer), std::fabs(value), std::chars_format::scientific);
    if (error != std::errc()) return "nan";
    std::string text(buffer, end);
    size_t e = text.find('e');
    std::string mantissa = text.substr(0, e);
    int exponent = std::atoi(text.c_str() + e + 1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.') digits += c;
    int decpt = exponent + 1;  // digits[0:decpt] is the integral part
    std::string out;
    if (decpt <= -4 || decpt > 16) {
        out = digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        out += fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
    } else if (decpt <= 0) {
        out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
        out = digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
        out = digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    }
    return sign + out;
}

Result<std::string> Decoder::float_repr(uint64_t object) const {
    PYXRAY_TRY(value, read_value<double>(memory, object + offsets.objects.float_object.ob_fval));
    return format_float_repr(value);
}

}  // namespace pyxray::objects

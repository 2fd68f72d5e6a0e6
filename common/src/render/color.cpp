#include "pyxray/color.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace pyxray {
namespace {

std::string_view sgr_of(Style style) {
    switch (style) {
        case Style::PythonFrame:
            return "1;32";  // bold green: the frames the user wrote
        case Style::NativeFrame:
            return "34";
        case Style::Location:
            return "36";
        case Style::Module:
            return "2";
        case Style::GilHolder:
            return "1;33";
        case Style::CurrentLine:
        case Style::Heading:
            return "1";
    }
    return "0";
}

bool environment_forbids_color() {
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    return (no_color != nullptr && *no_color != '\0') ||
           (term != nullptr && std::string_view(term) == "dumb");
}

}  // namespace

bool use_color(ColorMode mode, bool output_is_terminal, bool json) {
    if (json || mode == ColorMode::Never) return false;
    if (mode == ColorMode::Always) return true;
    return output_is_terminal && !environment_forbids_color();
}

std::string styled(std::string_view text, Style style, bool color) {
    if (!color || text.empty()) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", sgr_of(style), text);
}

}  // namespace pyxray

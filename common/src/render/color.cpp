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

Result<ColorMode> parse_color_mode(std::string_view value) {
    if (value == "auto") return ColorMode::Auto;
    if (value == "always") return ColorMode::Always;
    if (value == "never") return ColorMode::Never;
    return fail(ErrorCode::InvalidArgument,
                fmt::format("--color needs one of {}, not '{}'", kColorValues, value));
}

Result<bool> take_color_option(const std::vector<std::string>& words, size_t& index, ColorMode& mode) {
    std::string_view word = words[index];
    if (word.starts_with("--color=")) {
        PYXRAY_TRY(parsed, parse_color_mode(word.substr(8)));
        mode = parsed;
        return true;
    }
    if (word != "--color") return false;
    std::string_view value = index + 1 < words.size() ? std::string_view(words[index + 1]) : "";
    PYXRAY_TRY(parsed, parse_color_mode(value));
    ++index;
    mode = parsed;
    return true;
}

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

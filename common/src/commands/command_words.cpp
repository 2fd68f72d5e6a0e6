#include "pyxray/command_words.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

#include "pyxray/command_help.hpp"

namespace pyxray {

std::optional<size_t> parse_count(std::string_view word) {
    size_t value = 0;
    auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (error != std::errc() || end != word.data() + word.size()) return std::nullopt;
    return value;
}

Result<bool> take_repr_limit_option(const std::vector<std::string>& words, size_t& index,
                                    ReprLimits& limits) {
    const std::string& word = words[index];
    if (word == "--verbose") {
        limits.verbose = true;
        return true;
    }
    size_t* target = word == "--max-string"  ? &limits.max_string
                     : word == "--max-items" ? &limits.max_items
                     : word == "--max-depth" ? &limits.max_depth
                                             : nullptr;
    if (target == nullptr) return false;
    PYXRAY_TRY(number, take_count_value(words, index));
    *target = number;
    return true;
}

Result<size_t> take_count_value(const std::vector<std::string>& words, size_t& index) {
    std::string_view value = index + 1 < words.size() ? std::string_view(words[index + 1]) : "";
    auto number = parse_count(value);
    if (!number || *number == 0)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("{} needs a positive number, not '{}'", words[index], value));
    ++index;
    return *number;
}

Result<ColorMode> parse_color_mode(std::string_view value) {
    if (value == "auto") return ColorMode::Auto;
    if (value == "always") return ColorMode::Always;
    if (value == "never") return ColorMode::Never;
    return fail(ErrorCode::InvalidArgument,
                fmt::format("--color needs one of {}, not '{}'", fmt::join(kColorChoices, ", "), value));
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

}  // namespace pyxray

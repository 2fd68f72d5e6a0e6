// Colour in text output: `--color=auto|always|never` and NO_COLOR (https://no-color.org), the
// same in every front-end. The renderers only take a yes or no (RenderOptions::color).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pyxray/result.hpp"

namespace pyxray {

enum class ColorMode { Auto, Always, Never };

inline constexpr std::string_view kColorValues = "auto, always, never";

// "auto", "always" or "never"; any other word is an error naming the valid ones.
Result<ColorMode> parse_color_mode(std::string_view value);
// Takes words[index] when it is `--color=WHEN` or `--color WHEN` (leaving index at its last
// word) and says whether it was.
Result<bool> take_color_option(const std::vector<std::string>& words, size_t& index, ColorMode& mode);
// Whether to colour: never with JSON; auto colours a terminal unless NO_COLOR is set (to
// anything but the empty string) or TERM is "dumb"; always colours, even with NO_COLOR.
bool use_color(ColorMode mode, bool output_is_terminal, bool json);

// The styles text output uses, as ANSI SGR sequences.
enum class Style { PythonFrame, NativeFrame, Location, Module, GilHolder, CurrentLine, Heading };
// `text` wrapped in the style's codes when `color`, else `text` unchanged.
std::string styled(std::string_view text, Style style, bool color);

}  // namespace pyxray

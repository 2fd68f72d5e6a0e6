// Colour in text output: `--color=auto|always|never` and NO_COLOR (https://no-color.org), the
// same in every front-end. The renderers only take a yes or no (RenderOptions::color).
#pragma once

#include <string>
#include <string_view>

namespace pyxray {

enum class ColorMode { Auto, Always, Never };

// Whether to colour: never with JSON; auto colours a terminal unless NO_COLOR is set (to
// anything but the empty string) or TERM is "dumb"; always colours, even with NO_COLOR.
bool use_color(ColorMode mode, bool output_is_terminal, bool json);

// The styles text output uses, as ANSI SGR sequences.
enum class Style { PythonFrame, NativeFrame, Location, Module, GilHolder, CurrentLine, Heading };
// `text` wrapped in the style's codes when `color`, else `text` unchanged.
std::string styled(std::string_view text, Style style, bool color);

}  // namespace pyxray

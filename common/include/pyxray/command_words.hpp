// The option words every debugger command shares, taken one at a time by the commands' parsers
// (xbt_command.cpp, tasks_command.cpp, frame_commands.cpp, ...): the repr limits of
// pyxray/repr.hpp and --color=WHEN of pyxray/color.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyxray/color.hpp"
#include "pyxray/repr.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

// A command-line word as a count ("12"), or nothing when it is none.
std::optional<size_t> parse_count(std::string_view word);

// The positive count after the option at words[index], leaving index on it; the error names
// the option and the word that is no positive count.
Result<size_t> take_count_value(const std::vector<std::string>& words, size_t& index);

// Takes words[index] when it is --max-string N, --max-items N, --max-depth N or --verbose
// (leaving index at the option's last word) and says whether it was one.
Result<bool> take_repr_limit_option(const std::vector<std::string>& words, size_t& index, ReprLimits& limits);

// "auto", "always" or "never"; any other word is an error naming the valid ones.
Result<ColorMode> parse_color_mode(std::string_view value);
// Takes words[index] when it is `--color=WHEN` or `--color WHEN` (leaving index at its last
// word) and says whether it was.
Result<bool> take_color_option(const std::vector<std::string>& words, size_t& index, ColorMode& mode);

}  // namespace pyxray

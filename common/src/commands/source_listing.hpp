// Source lines of a Python file for py-list and the frame-selection commands.
#pragma once

#include <optional>
#include <string>

namespace pyxray {

struct SourceRange {
    int first = 1;
    std::optional<int> last;  // the line `first` alone when empty
};

// Five lines either side of `line`, as CPython's own py-list shows.
SourceRange around_line(int line);

// The lines of `file` in `range`, numbered, the `current` one marked with '>'. When the file
// cannot be read (a core from another machine, a <string>), one line says so and why.
// `color`: the current line in Style::CurrentLine.
std::string list_source(const std::string& file, SourceRange range, int current, bool color = false);

}  // namespace pyxray

#include "commands/source_listing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "pyxray/color.hpp"

namespace pyxray {
namespace {

constexpr int kContextLines = 5;
constexpr int kMaxListedLines = 1000;
constexpr size_t kMaxLineBytes = 4096;  // a minified line is cut, not printed whole

}  // namespace

SourceRange around_line(int line) {
    if (line < 1) return {1, 0};
    return {std::max(1, line - kContextLines), line + kContextLines};
}

std::string list_source(const std::string& file, SourceRange range, int current, bool color) {
    int last = std::min(range.last.value_or(range.first), range.first + kMaxListedLines - 1);
    if (range.first < 1 || last < range.first) return "    (the current line is unknown)\n";
    std::ifstream stream(file);
    if (!stream)
        return fmt::format("    source not available: cannot open {}: {}\n", file, std::strerror(errno));
    std::string out, text;
    for (int number = 1; number <= last && std::getline(stream, text); ++number) {
        if (number < range.first) continue;
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.size() > kMaxLineBytes) text = text.substr(0, kMaxLineBytes) + "...";
        std::string line = fmt::format("{}{:>5}    {}", number == current ? '>' : ' ', number, text);
        out += (number == current ? styled(line, Style::CurrentLine, color) : line) + "\n";
    }
    if (out.empty()) return fmt::format("    {} has no line {}\n", file, range.first);
    return out;
}

}  // namespace pyxray

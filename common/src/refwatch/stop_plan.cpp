// Where py-refwatch stops, which source line each stop stands for, and which stops end it.
#include <fmt/format.h>

#include <algorithm>

#include "pyxray/refwatch.hpp"

namespace pyxray {

std::map<uint64_t, PlannedStop> plan_each_line(std::vector<LineAddress> entries, uint64_t function_start,
                                               const std::string& function) {
    std::erase_if(entries,
                  [&](const LineAddress& entry) { return entry.line <= 0 || entry.pc < function_start; });
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.pc < b.pc; });
    std::map<uint64_t, PlannedStop> plan;
    if (entries.empty()) return plan;
    // Lines of other files are inlined helpers (3.12's always-inline Py_INCREF in object.h):
    // the epilogue is the last line of the function's own file.
    const std::string& own_file = entries.front().file;
    auto own = [&](size_t index) { return entries[index].file == own_file; };
    size_t exit_index = entries.size() - 1;
    while (exit_index > 0 && !own(exit_index)) --exit_index;
    int exit_line = entries[exit_index].line;
    while (exit_index > 0 && own(exit_index - 1) && entries[exit_index - 1].line == exit_line) --exit_index;
    for (size_t index = 0; index <= exit_index; ++index) {
        const LineAddress& entry = entries[index];
        if (plan.contains(entry.pc)) continue;
        StopKind kind = entry.pc == function_start ? StopKind::Entry
                        : index == exit_index      ? StopKind::Exit
                                                   : StopKind::Line;
        plan[entry.pc] = PlannedStop{SourceSite{entry.file, entry.line, function}, kind};
    }
    return plan;
}

SourceSite choose_c_site(const std::vector<SourceSite>& frames) {
    const SourceSite* first = nullptr;
    for (const SourceSite& frame : frames) {
        if (frame.line <= 0) continue;
        if (!first) first = &frame;
        if (!frame.file.ends_with(".h")) return frame;
    }
    if (first) return *first;
    return frames.empty() ? SourceSite{"??", 0, "??"} : SourceSite{"??", 0, frames.front().function};
}

namespace {

std::string numbers_text(const std::vector<int64_t>& numbers) {
    std::string text;
    for (size_t i = 0; i < numbers.size(); ++i) text += fmt::format("{}{}", i ? ", " : "", numbers[i]);
    return text;
}

// " in f (file:line)", " at 0x...", or "" when the debugger could say nothing of where.
std::string place_text(const ObservedStop& stop) {
    std::string place = stop.pc ? fmt::format(" at {:#x}", stop.pc) : "";
    if (!stop.site.function.empty() && stop.site.function != "??") place = " in " + stop.site.function;
    if (stop.site.line > 0) place += fmt::format(" ({}:{})", stop.site.file, stop.site.line);
    return place;
}

}  // namespace

std::optional<std::pair<RefwatchEnd, std::string>> classify_stop(const ObservedStop& stop,
                                                                 const std::optional<CodeRange>& watched) {
    if (stop.ours) return std::nullopt;
    switch (stop.cause) {
        case StopCause::Breakpoint:
            if (watched && watched->contains(stop.pc)) return std::nullopt;
            return std::pair{
                RefwatchEnd::OtherBreakpoint,
                fmt::format("{} {}{}", stop.breakpoints.size() > 1 ? "breakpoints" : "breakpoint",
                            numbers_text(stop.breakpoints), place_text(stop))};
        case StopCause::Watchpoint:
            return std::pair{
                RefwatchEnd::OtherBreakpoint,
                fmt::format("watchpoint {}{}", numbers_text(stop.breakpoints), place_text(stop))};
        case StopCause::Signal:
            if (stop.detail == "SIGINT" || stop.detail == "SIGSTOP")
                return std::pair{RefwatchEnd::Interrupted, std::string()};
            return std::pair{RefwatchEnd::OtherStop, stop.detail + place_text(stop)};
        case StopCause::Exited:
            return std::pair{RefwatchEnd::Exited, stop.detail};
        case StopCause::Interrupted:
            return std::pair{RefwatchEnd::Interrupted, std::string()};
        case StopCause::Failed:
            return std::pair{RefwatchEnd::Error, stop.detail};
        case StopCause::Other:
            break;
    }
    std::string text = stop.detail + place_text(stop);
    return std::pair{RefwatchEnd::OtherStop, text.starts_with(' ') ? text.substr(1) : text};
}

}  // namespace pyxray

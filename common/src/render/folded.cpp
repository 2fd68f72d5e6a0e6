// Folded stacks (Brendan Gregg's flamegraph.pl input, also read by speedscope and inferno).
#include <fmt/format.h>

#include <map>

#include "pyxray/render.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

// `;` separates frames and the last space the count: neither may appear inside a frame.
std::string folded_frame(const ProfileFrame& frame) {
    std::string label = printable_text(frame_label(frame));
    for (char& c : label)
        if (c == ';' || c == '\n') c = ',';
    return label;
}

}  // namespace

std::string render_folded(const Profile& profile) {
    std::vector<std::string> labels;
    labels.reserve(profile.frames().size());
    for (const auto& frame : profile.frames()) labels.push_back(folded_frame(frame));
    std::map<std::string, size_t> counts;  // sorted, so the output is stable
    for (const auto& thread : profile.threads()) {
        for (const auto& sample : thread.samples) {
            std::string line;
            for (uint32_t id : sample.stack) {
                if (!line.empty()) line += ';';
                line += labels[id];
            }
            if (!line.empty()) ++counts[line];
        }
    }
    // flamegraph.pl, inferno and speedscope skip a line that is not `frames count` (flamegraph.pl
    // says how many it ignored): the mode goes in one.
    std::string out = fmt::format("# pyxray sample, mode {}\n", profile.mode_label());
    for (const auto& [stack, count] : counts) out += fmt::format("{} {}\n", stack, count);
    return out;
}

}  // namespace pyxray

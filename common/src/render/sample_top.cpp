// The table py-sample and `pyxray sample` print: function, self %, total %.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "pyxray/render.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

// The top table counts functions, not lines: `qualname (file)` or the native name.
std::string function_label(const ProfileFrame& frame) {
    return frame.python ? fmt::format("{} ({})", printable_text(frame.name), printable_text(frame.file))
                        : printable_text(frame.name);
}

// One line when it cannot.
Result<void> write_sample_file(const std::string& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (file) file << text;
    if (!file || !file.flush())
        return fail(ErrorCode::Io, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    return {};
}

struct FunctionCounts {
    size_t self = 0;
    size_t total = 0;
};

}  // namespace

std::string render_sample_top(const Profile& profile, size_t rows) {
    std::vector<std::string> label_of;
    label_of.reserve(profile.frames().size());
    for (const auto& frame : profile.frames()) label_of.push_back(function_label(frame));
    std::unordered_map<std::string, FunctionCounts> counts;
    size_t stacks = 0;
    for (const auto& thread : profile.threads()) {
        for (const auto& sample : thread.samples) {
            if (sample.stack.empty()) continue;
            ++stacks;
            ++counts[label_of[sample.stack.back()]].self;
            std::unordered_set<std::string_view> seen;  // recursion counts once per sample
            for (uint32_t id : sample.stack)
                if (seen.insert(label_of[id]).second) ++counts[label_of[id]].total;
        }
    }
    std::vector<std::pair<std::string, FunctionCounts>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        if (a.second.self != b.second.self) return a.second.self > b.second.self;
        if (a.second.total != b.second.total) return a.second.total > b.second.total;
        return a.first < b.first;
    });
    // The counts are describe_sample_run's line, which every front-end prints above this table.
    if (stacks == 0) return "no stacks were sampled\n";
    std::string out =
        fmt::format("{:>7} {:>7}  {}  (mode {})\n", "self%", "total%", "function", profile.mode_label());
    auto percent = [stacks](size_t n) {
        return 100.0 * static_cast<double>(n) / static_cast<double>(stacks);
    };
    for (size_t i = 0; i < sorted.size() && i < rows; ++i)
        out += fmt::format("{:>7.1f} {:>7.1f}  {}\n", percent(sorted[i].second.self),
                           percent(sorted[i].second.total), sorted[i].first);
    return out;
}

Result<std::string> write_sample_outputs(const SampleRun& run, const SampleOptions& options) {
    PYXRAY_TRY(outputs, sample_outputs_of(options));
    if (outputs.empty())
        return render_sample_output(run.profile, options, options.format.value_or(SampleFormat::Text));
    std::string console = render_sample_top(run.profile);
    if (options.slow_ms) console += render_slow_requests(run.profile, *options.slow_ms);
    for (const SampleOutput& output : outputs) {
        PYXRAY_TRY_VOID(
            write_sample_file(output.path, render_sample_output(run.profile, options, output.format)));
        console += fmt::format("wrote {}\n", output.path);
    }
    return console;
}

std::string render_sample_output(const Profile& profile, const SampleOptions& options, SampleFormat format) {
    switch (format) {
        case SampleFormat::Folded:
            return render_folded(profile);
        case SampleFormat::Speedscope:
            return render_speedscope(profile);
        case SampleFormat::Html:
            return render_timeline_html(profile, options);
        case SampleFormat::Text:
            break;
    }
    std::string out = render_sample_top(profile);
    if (options.slow_ms) out += render_slow_requests(profile, *options.slow_ms);
    return out;
}

}  // namespace pyxray

// speedscope's file format (src/lib/file-format-spec.ts in jlfwong/speedscope): shared frames,
// one `sampled` profile per thread, stacks root first, weights in seconds.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

using Json = nlohmann::ordered_json;

Json frame_json(const ProfileFrame& frame) {
    Json out{{"name", frame.python ? frame.name : frame_label(frame)}};
    if (!frame.file.empty()) out["file"] = frame.file;
    if (frame.line >= 0) out["line"] = frame.line;
    return out;
}

// Each sample weighs the time until the next one; the last, the profile's mean interval.
Json thread_profile(const ThreadTimeline& thread, double mean_interval_s, double end_s) {
    Json samples = Json::array();
    Json weights = Json::array();
    for (size_t i = 0; i < thread.samples.size(); ++i) {
        samples.push_back(thread.samples[i].stack);
        double next = i + 1 < thread.samples.size() ? thread.samples[i + 1].time_s
                                                    : thread.samples[i].time_s + mean_interval_s;
        weights.push_back(next - thread.samples[i].time_s);
    }
    double start = thread.samples.empty() ? 0 : thread.samples.front().time_s;
    std::string name = thread.name.empty() ? fmt::format("thread {}", thread.tid)
                                           : fmt::format("{} (thread {})", thread.name, thread.tid);
    return Json{{"type", "sampled"},
                {"name", name},
                {"unit", "seconds"},
                {"startValue", start},
                {"endValue", std::max(end_s, start)},
                {"samples", samples},
                {"weights", weights}};
}

}  // namespace

std::string render_speedscope(const Profile& profile) {
    Json frames = Json::array();
    for (const auto& frame : profile.frames()) frames.push_back(frame_json(frame));
    double mean_interval =
        profile.sample_count() > 1 ? profile.duration_s() / static_cast<double>(profile.sample_count()) : 0;
    Json profiles = Json::array();
    for (const auto& thread : profile.threads())
        profiles.push_back(thread_profile(thread, mean_interval, profile.duration_s() + mean_interval));
    Json out{{"$schema", "https://www.speedscope.app/file-format-schema.json"},
             {"version", "0.0.1"},
             {"shared", {{"frames", frames}}},
             {"profiles", profiles},
             {"name", fmt::format("pyxray sample, mode {}", profile.mode_label())},
             {"activeProfileIndex", 0},
             {"exporter", "pyxray"}};
    // Names from the target need not be UTF-8: invalid bytes become U+FFFD, as in --json.
    return out.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pyxray

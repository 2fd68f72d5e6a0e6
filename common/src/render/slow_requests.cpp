// --slow: the long-request finder and its text report. A thread's base is the stack every one
// of its samples shares (thread bootstrap, a worker loop); a request is a run of consecutive
// samples whose first frame above that base is the same function. A run longer than the
// threshold is a slow request, shown with its stack at first and last sight: what it was doing
// when it ended up slow.
#include <fmt/format.h>

#include <algorithm>

#include "pyxray/render.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

// Frames are the same function when name and file agree, whatever line they were at.
bool same_function(const Profile& profile, uint32_t a, uint32_t b) {
    const ProfileFrame& x = profile.frames()[a];
    const ProfileFrame& y = profile.frames()[b];
    return x.python == y.python && x.name == y.name && x.file == y.file;
}

size_t common_base(const Profile& profile, const ThreadTimeline& thread) {
    if (thread.samples.empty()) return 0;
    const auto& first = thread.samples.front().stack;
    size_t depth = first.size();
    for (const auto& sample : thread.samples) {
        size_t shared = 0;
        while (shared < depth && shared < sample.stack.size() &&
               same_function(profile, first[shared], sample.stack[shared]))
            ++shared;
        depth = shared;
    }
    return depth;
}

struct Run {
    size_t first = 0, last = 0;  // sample indexes
};

std::vector<Run> runs_of(const Profile& profile, const ThreadTimeline& thread, size_t base) {
    std::vector<Run> runs;
    std::optional<Run> open;
    const auto& samples = thread.samples;
    for (size_t i = 0; i < samples.size(); ++i) {
        bool in_request = samples[i].stack.size() > base;
        bool continues = open && in_request &&
                         same_function(profile, samples[open->first].stack[base], samples[i].stack[base]);
        if (continues) {
            open->last = i;
            continue;
        }
        if (open) runs.push_back(*open);
        open.reset();
        if (in_request) open = Run{i, i};
    }
    if (open) runs.push_back(*open);
    return runs;
}

void append_stack(std::string& out, const Profile& profile, const ThreadSample& sample) {
    for (auto id = sample.stack.rbegin(); id != sample.stack.rend(); ++id)
        out += fmt::format("      {}\n", printable_text(frame_label(profile.frames()[*id])));
}

}  // namespace

std::vector<SlowRequest> find_slow_requests(const Profile& profile, double slow_ms) {
    std::vector<SlowRequest> found;
    for (size_t t = 0; t < profile.threads().size(); ++t) {
        const ThreadTimeline& thread = profile.threads()[t];
        size_t base = common_base(profile, thread);
        for (const Run& run : runs_of(profile, thread, base)) {
            const ThreadSample& first = thread.samples[run.first];
            SlowRequest request{t, run.first, run.last, {}, first.time_s, thread.samples[run.last].time_s};
            if (request.duration_ms() <= slow_ms) continue;
            request.base.assign(first.stack.begin(),
                                first.stack.begin() + static_cast<std::ptrdiff_t>(base) + 1);
            found.push_back(std::move(request));
        }
    }
    return found;
}

std::string render_slow_requests(const Profile& profile, double slow_ms) {
    std::vector<SlowRequest> found = find_slow_requests(profile, slow_ms);
    std::string out =
        fmt::format("\nslow requests (same base for longer than {:g} ms): {}\n", slow_ms, found.size());
    for (const SlowRequest& request : found) {
        const ThreadTimeline& thread = profile.threads()[request.thread];
        out += fmt::format("thread {}{}: {} for at least {:.0f} ms (t={:.3f}s..{:.3f}s, {} samples)\n",
                           thread.tid, thread.name.empty() ? "" : " (" + printable_text(thread.name) + ")",
                           printable_text(frame_label(profile.frames()[request.base.back()])),
                           request.duration_ms(), request.first_s, request.last_s,
                           request.last - request.first + 1);
        out += "    at first sight:\n";
        append_stack(out, profile, thread.samples[request.first]);
        out += "    at last sight:\n";
        append_stack(out, profile, thread.samples[request.last]);
    }
    return out;
}

}  // namespace pyxray

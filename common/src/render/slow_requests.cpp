// --slow: the long-request report. A thread's base is the stack every one of its samples
// shares (thread bootstrap, a worker loop); a request is a run of consecutive samples whose
// first frame above that base is the same function. A run longer than the threshold is a slow
// request, shown with its stack at first and last sight: what it was doing when it ended up slow.
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
    size_t depth = thread.samples.front().stack.size();
    for (const auto& sample : thread.samples) {
        const auto& first = thread.samples.front().stack;
        size_t shared = 0;
        while (shared < depth && shared < sample.stack.size() &&
               same_function(profile, first[shared], sample.stack[shared]))
            ++shared;
        depth = shared;
    }
    return depth;
}

struct Request {
    size_t first = 0, last = 0;  // sample indexes
};

std::vector<Request> requests_of(const Profile& profile, const ThreadTimeline& thread, size_t base) {
    std::vector<Request> requests;
    std::optional<Request> open;
    const auto& samples = thread.samples;
    for (size_t i = 0; i < samples.size(); ++i) {
        bool in_request = samples[i].stack.size() > base;
        bool continues = open && in_request &&
                         same_function(profile, samples[open->first].stack[base], samples[i].stack[base]);
        if (continues) {
            open->last = i;
            continue;
        }
        if (open) requests.push_back(*open);
        open.reset();
        if (in_request) open = Request{i, i};
    }
    if (open) requests.push_back(*open);
    return requests;
}

void append_stack(std::string& out, const Profile& profile, const ThreadSample& sample) {
    for (auto id = sample.stack.rbegin(); id != sample.stack.rend(); ++id)
        out += fmt::format("      {}\n", printable_text(frame_label(profile.frames()[*id])));
}

}  // namespace

std::string render_slow_requests(const Profile& profile, double slow_ms) {
    std::string out;
    size_t slow = 0;
    for (const auto& thread : profile.threads()) {
        size_t base = common_base(profile, thread);
        for (const Request& request : requests_of(profile, thread, base)) {
            const ThreadSample& first = thread.samples[request.first];
            const ThreadSample& last = thread.samples[request.last];
            double ms = (last.time_s - first.time_s) * 1000;
            if (ms <= slow_ms) continue;
            ++slow;
            out +=
                fmt::format("thread {}{}: {} for at least {:.0f} ms (t={:.3f}s..{:.3f}s, {} samples)\n",
                            thread.tid, thread.name.empty() ? "" : " (" + printable_text(thread.name) + ")",
                            printable_text(frame_label(profile.frames()[first.stack[base]])), ms,
                            first.time_s, last.time_s, request.last - request.first + 1);
            out += "    at first sight:\n";
            append_stack(out, profile, first);
            out += "    at last sight:\n";
            append_stack(out, profile, last);
        }
    }
    std::string heading =
        fmt::format("\nslow requests (same base for longer than {:g} ms): {}\n", slow_ms, slow);
    return heading + out;
}

}  // namespace pyxray

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

SampleRun run_sample_loop(const SampleOptions& options, const SampleLoopHooks& hooks) {
    SampleRun run;
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / options.rate_hz));
    const size_t limit = sample_limit(options);
    const auto start = Clock::now();
    auto next = start;
    auto next_progress = start + std::chrono::seconds(1);
    size_t attempts = 0;
    while (run.profile.sample_count() < limit && attempts < 2 * limit) {
        std::this_thread::sleep_until(next);
        if (hooks.interrupted && hooks.interrupted()) {
            run.ended_because = "interrupted";
            break;
        }
        if (options.duration_s && seconds_since(start) >= *options.duration_s) break;
        double at = seconds_since(start);
        SampleStep step = hooks.take();
        ++attempts;
        if (step.outcome == SampleStep::Outcome::Ended) {
            run.ended_because = step.reason;
            break;
        }
        if (step.outcome == SampleStep::Outcome::Skipped) {
            ++run.skipped;
            run.last_skip_reason = step.reason;
        } else if (step.snapshot) {
            run.profile.add(*step.snapshot, at);
        }
        // Late ticks are dropped, not made up: a burst would sample one moment several times.
        next += interval;
        if (next < Clock::now()) next = Clock::now();
        if (hooks.progress && Clock::now() >= next_progress) {
            hooks.progress(run.profile, seconds_since(start));
            next_progress += std::chrono::seconds(1);
        }
    }
    run.profile.finish(seconds_since(start));
    return run;
}

std::string describe_sample_run(const SampleRun& run) {
    std::string line = fmt::format("{} samples in {:.2f} s ({:.1f}/s achieved)", run.profile.sample_count(),
                                   run.profile.duration_s(), run.profile.achieved_rate());
    if (run.skipped)
        line += fmt::format(", {} skipped (last: {})", run.skipped, run.last_skip_reason);
    if (!run.ended_because.empty()) line += "; ended early: " + run.ended_because;
    return line;
}

}  // namespace pyxray

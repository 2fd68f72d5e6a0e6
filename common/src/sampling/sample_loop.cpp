#include <fmt/format.h>

#include <algorithm>
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

SampleSchedule::SampleSchedule(double rate_hz, Clock::time_point start, uint64_t seed)
    : random_(seed), interval_s_(0.5 / rate_hz, 1.5 / rate_hz), due_(start) {}

Clock::time_point SampleSchedule::next(Clock::time_point now) {
    due_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s_(random_)));
    due_ = std::max(due_, now);
    return due_;
}

SampleRun run_sample_loop(const SampleOptions& options, const SampleLoopHooks& hooks) {
    SampleRun run;
    run.profile = Profile(options.mode, options.idle);
    const size_t limit = sample_limit(options);
    const auto start = Clock::now();
    SampleSchedule schedule(options.rate_hz, start, std::random_device{}());
    auto next = start;
    auto next_progress = start + std::chrono::seconds(1);
    size_t attempts = 0;
    while (run.profile.sample_count() < limit && attempts < 2 * limit) {
        if (!hooks.let_run) {
            std::this_thread::sleep_until(next);
        } else if (attempts > 0) {
            auto ended =
                hooks.let_run(std::max(0.0, std::chrono::duration<double>(next - Clock::now()).count()));
            if (ended) {
                run.ended_because = *ended;
                break;
            }
        }
        if (hooks.interrupted && hooks.interrupted()) {
            run.ended_because = "interrupted";
            break;
        }
        if (options.duration_s && seconds_since(start) >= *options.duration_s) break;
        double at = seconds_since(start);
        SampleStep step = hooks.take();
        ++attempts;
        run.skipped_threads += step.skipped_threads;
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
        next = schedule.next(Clock::now());
        if (hooks.progress && Clock::now() >= next_progress) {
            hooks.progress(run.profile, seconds_since(start));
            next_progress += std::chrono::seconds(1);
        }
    }
    run.profile.finish(seconds_since(start));
    return run;
}

std::string describe_sample_run(const SampleRun& run) {
    size_t stacks = run.profile.stack_count();
    std::string line = fmt::format("{} samples in {:.2f} s ({:.1f}/s achieved), {} thread stack{}",
                                   run.profile.sample_count(), run.profile.duration_s(),
                                   run.profile.achieved_rate(), stacks, stacks == 1 ? "" : "s");
    if (size_t lost = run.profile.native_lost())
        line += fmt::format(", {} with Python frames only (the native stack could not be unwound or merged)",
                            lost);
    if (run.skipped) line += fmt::format(", {} skipped (last: {})", run.skipped, run.last_skip_reason);
    if (run.skipped_threads)
        line += fmt::format(", {} thread{} left out (exited while being stopped)", run.skipped_threads,
                            run.skipped_threads == 1 ? "" : "s");
    if (!run.ended_because.empty()) line += "; ended early: " + run.ended_because;
    return line;
}

std::string describe_sample_progress(const Profile& profile, double elapsed_s) {
    double rate = elapsed_s > 0 ? static_cast<double>(profile.sample_count()) / elapsed_s : 0;
    return fmt::format("sampling: {} samples, {:.1f}/s", profile.sample_count(), rate);
}

}  // namespace pyxray

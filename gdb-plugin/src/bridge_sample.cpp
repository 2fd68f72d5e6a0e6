// py-sample's loop for gdb: gdb's Python lets the process run and collects each stop; this
// keeps one target and session across the stops, decodes each one and renders the result.
#include <memory>
#include <utility>

#include "bridge_target.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray::gdb {
namespace {

// One target and session kept across the stops of a sampling run, so the runtime is located
// once and only threads, stacks and memory are read again.
class SampleSession {
public:
    // The first stop's threads and frames open the session.
    static Result<SampleSession> open(const BridgeTarget& first) {
        PYXRAY_TRY(target, static_target(first));
        PYXRAY_TRY(session, Session::open(*target));
        return SampleSession(std::move(target), std::move(session));
    }
    Result<void> check_mode(const SampleOptions& options) const {
        return check_sample_mode(options, session_.runtime());
    }
    // The first stop's snapshot.
    Result<Snapshot> take(XbtOptions options) const {
        options.reuse_thread_names = true;
        options.waits = false;
        options.task_marks = false;
        options.exceptions = false;
        options.modules = false;
        return session_.xbt(options);
    }
    // A later stop's snapshot, from its threads and native frames.
    Result<Snapshot> take(CollectedStop stop, const XbtOptions& options) {
        target_->next_stop(std::move(stop.threads), std::move(stop.frames));
        return take(options);
    }

private:
    SampleSession(std::unique_ptr<StaticTarget> target, Session session)
        : target_(std::move(target)), session_(std::move(session)) {}
    std::unique_ptr<StaticTarget> target_;  // the session points at it
    Session session_;
};

// The first sample is the stop the session opened on; each later one is collected anew. A stop
// that cannot be collected ends the run; one that cannot be decoded is skipped.
SampleLoopHooks loop_hooks(const SampleOptions& options, const SampleCallbacks& callbacks,
                           SampleSession& session, const XbtOptions& xbt, ThreadCpuStates* cpu) {
    SampleLoopHooks hooks;
    hooks.let_run = [&callbacks, cpu](double seconds) { return callbacks.let_run(seconds, cpu); };
    hooks.take = [&, first = true]() mutable -> SampleStep {
        Result<Snapshot> snapshot = Snapshot{};
        if (first) {
            first = false;
            snapshot = session.take(xbt);
        } else {
            auto stop = callbacks.take(options.all_threads, !options.python_only);
            if (!stop) return {SampleStep::Outcome::Ended, std::nullopt, stop.error().message};
            snapshot = session.take(std::move(*stop), xbt);
        }
        if (!snapshot) return {SampleStep::Outcome::Skipped, std::nullopt, snapshot.error().message};
        if (cpu) cpu->apply(*snapshot);
        return {SampleStep::Outcome::Taken, std::move(*snapshot), {}};
    };
    hooks.interrupted = callbacks.interrupted;
    hooks.progress = [&](const Profile& profile, double elapsed) {
        callbacks.progress(describe_sample_progress(profile, elapsed));
    };
    return hooks;
}

}  // namespace

Result<std::string> run_sample(const BridgeTarget& target, const std::vector<std::string>& words,
                               const SampleCallbacks& callbacks) {
    PYXRAY_TRY(options, parse_sample_options(words));
    PYXRAY_TRY(stop, callbacks.take(options.all_threads, !options.python_only));
    XbtOptions xbt{std::nullopt, options.python_only, false, std::nullopt};
    if (!options.all_threads) xbt.only_tid = stop.selected_tid;
    BridgeTarget first = target;
    first.threads = std::move(stop.threads);
    first.frames = std::move(stop.frames);
    PYXRAY_TRY(session, SampleSession::open(first));
    PYXRAY_TRY_VOID(session.check_mode(options));
    ThreadCpuStates cpu(static_cast<int>(target.info.pid));
    ThreadCpuStates* read_cpu = options.mode == SampleMode::Cpu ? &cpu : nullptr;
    SampleRun run = run_sample_loop(options, loop_hooks(options, callbacks, session, xbt, read_cpu));
    PYXRAY_TRY(console, write_sample_outputs(run, options));
    return describe_sample_run(run) + "\n" + console;
}

}  // namespace pyxray::gdb

// `py-sample [--rate HZ] [--duration S | --samples N] [--threads all|current] [--python-only]
// [-o FILE] [--format text|folded|speedscope|html] [--slow MS]`: lets the stopped process run
// for an interval, stops it, adds up the merged stacks of its threads, and repeats; prints the
// top table and writes FILE. The process ends stopped, as it was found, its selected thread
// selected again; the SIGSTOP that ends each interval is suppressed, never delivered.
#include <fmt/format.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>
#include <lldb/API/SBThread.h>
#include <lldb/API/SBUnixSignals.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "command_support.hpp"
#include "commands.hpp"
#include "process_kind.hpp"
#include "pyxray/sampling.hpp"
#include "pyxray/session.hpp"
#include "pyxray/stop_timer.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

// Runs the process for `seconds`; a reason when it stopped for something other than our halt.
std::optional<std::string> run_for(lldb::SBProcess& process, double seconds, ThreadCpuStates* cpu) {
    // SIGSTOP is what LLDB's own halt sends on Linux (SBProcess::Stop would wait for the API
    // lock Continue holds, and SendAsyncInterrupt does not halt a synchronous Continue); LLDB
    // suppresses it while sampling (SuppressScope), so the program never receives it.
    std::function<void()> before_stop;
    if (cpu) before_stop = [cpu] { cpu->read(); };
    StopTimer timer(static_cast<pid_t>(process.GetProcessID()), SIGSTOP, seconds, before_stop);
    lldb::SBError error = process.Continue();
    bool ours = timer.cancel();
    if (error.Fail()) return fmt::format("cannot resume the process: {}", error.GetCString());
    lldb::StateType state = process.GetState();
    if (state == lldb::eStateExited) return "the process exited";
    if (state != lldb::eStateStopped)
        return fmt::format("the process is {}", lldb::SBDebugger::StateAsCString(state));
    if (!ours) return "stopped by something else (Ctrl-C, a breakpoint or a signal)";
    return std::nullopt;
}

bool is_core(lldb::SBProcess& process) {
    const char* plugin = process.GetPluginName();
    return plugin != nullptr && is_core_process_plugin(plugin);
}

// SIGSTOP suppressed (LLDB's default) while sampling, the user's setting again afterwards.
class SuppressScope {
public:
    explicit SuppressScope(lldb::SBProcess& process)
        : signals_(process.GetUnixSignals()), was_suppressed_(signals_.GetShouldSuppress(SIGSTOP)) {
        signals_.SetShouldSuppress(SIGSTOP, true);
    }
    ~SuppressScope() { signals_.SetShouldSuppress(SIGSTOP, was_suppressed_); }
    SuppressScope(const SuppressScope&) = delete;
    SuppressScope& operator=(const SuppressScope&) = delete;

private:
    lldb::SBUnixSignals signals_;
    bool was_suppressed_;
};

Result<std::string> run_sample(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(options, parse_sample_options(words));
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-sample"));
    if (is_core(process))
        return fail(ErrorCode::InvalidArgument, "a core file cannot run; py-sample needs a live process");
    PYXRAY_TRY(tid, selected_thread_id(process));
    XbtOptions xbt;
    xbt.python_only = options.python_only;
    if (!options.all_threads) xbt.only_tid = tid;
    xbt.reuse_thread_names = true;
    xbt.waits = false;
    xbt.task_marks = false;
    xbt.exceptions = false;
    xbt.modules = false;
    SbTarget target(selected, process);
    target.prepare_for_sampling();
    PYXRAY_TRY(session, Session::open(target));
    PYXRAY_TRY_VOID(check_sample_mode(options, session.runtime()));
    ThreadCpuStates cpu(static_cast<int>(process.GetProcessID()));
    ThreadCpuStates* read_cpu = options.mode == SampleMode::Cpu ? &cpu : nullptr;
    FILE* progress = debugger.GetOutputFileHandle();
    SampleLoopHooks hooks;
    hooks.let_run = [&](double seconds) { return run_for(process, seconds, read_cpu); };
    hooks.take = [&]() -> SampleStep {
        target.memory().invalidate();  // the process ran since the last sample
        auto snapshot = session.xbt(xbt);
        if (!snapshot) return {SampleStep::Outcome::Skipped, std::nullopt, snapshot.error().message};
        if (read_cpu) read_cpu->apply(*snapshot);
        return {SampleStep::Outcome::Taken, std::move(*snapshot), {}};
    };
    hooks.progress = [progress](const Profile& profile, double elapsed) {
        if (progress) std::fprintf(progress, "%s\n", describe_sample_progress(profile, elapsed).c_str());
    };
    SampleRun run = [&] {
        SyncScope sync(debugger);
        SuppressScope suppress(process);
        return run_sample_loop(options, hooks);
    }();
    if (process.GetState() == lldb::eStateStopped)
        process.SetSelectedThreadByID(static_cast<lldb::tid_t>(tid));
    PYXRAY_TRY(console, write_sample_outputs(run, options));
    return describe_sample_run(run) + "\n" + console;
}

class SampleCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-sample", [&] { return run_sample(debugger, command); });
    }
};

}  // namespace

bool add_sample_command(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-sample", new SampleCommand);
}

}  // namespace pyxray::lldb_plugin

#include "sample_command.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "help.hpp"
#include "live_target.hpp"
#include "nonblocking_target.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/process.hpp"
#include "pyxray/session.hpp"
#include "stopped_process.hpp"
#include "target_options.hpp"

namespace pyxray::cli {
namespace {

volatile sig_atomic_t interrupted = 0;

void on_interrupt(int) { interrupted = 1; }

// Ctrl-C ends the sampling, not pyxray: the results are still written.
class InterruptScope {
public:
    InterruptScope() {
        struct sigaction action {};
        action.sa_handler = on_interrupt;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &previous_);
    }
    ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;

private:
    struct sigaction previous_ {};
};

int report(const std::string& message) {
    std::fprintf(stderr, "pyxray: %s\n", message.c_str());
    return EXIT_FAILURE;
}

// A terminal sees one line updated in place; a pipe or a log gets a line a second.
void print_progress(const Profile& profile, double elapsed_s) {
    bool terminal = isatty(STDERR_FILENO);
    std::fprintf(stderr, terminal ? "\r%s " : "%s\n", describe_sample_progress(profile, elapsed_s).c_str());
}

XbtOptions xbt_options(const SampleArguments& args, int pid) {
    XbtOptions options;
    options.python_only = args.options.python_only || args.nonblocking;
    options.reuse_thread_names = true;
    options.waits = false;
    options.task_marks = false;
    options.exceptions = false;
    options.modules = false;
    if (!args.options.all_threads) options.only_tid = pid;
    return options;
}

// A process that exited ends the run; anything else is one bad sample. A launched program is
// our child: until waited for, it is a zombie that kill() still reaches.
bool process_gone(int pid) { return (kill(pid, 0) != 0 && errno == ESRCH) || is_dead_thread(pid, pid); }

// Job control stopped it (SIGSTOP, Ctrl-Z): it stays stopped, so every sample is the same.
void say_stopped(int pid) {
    std::fprintf(stderr,
                 "pyxray: process %d is stopped (job control: SIGSTOP, Ctrl-Z); sampling it without "
                 "resuming it, so every sample shows the same stack\n",
                 pid);
}

SampleRun sample_stopping(LiveTarget& target, const Session& session, const SampleArguments& args, int pid) {
    XbtOptions options = xbt_options(args, pid);
    if (target.job_control_stopped()) say_stopped(pid);
    target.resume();
    ThreadCpuStates cpu(pid);
    bool read_cpu = args.options.mode == SampleMode::Cpu;
    SampleLoopHooks hooks;
    hooks.interrupted = [] { return interrupted != 0; };
    hooks.progress = print_progress;
    hooks.take = [&]() -> SampleStep {
        if (read_cpu) cpu.read();
        if (auto stopped = target.stop_again(); !stopped)
            return {SampleStep::Outcome::Ended, std::nullopt,
                    process_gone(pid) ? "the process exited" : stopped.error().message};
        size_t vanished = target.vanished_threads();
        auto snapshot = session.xbt(options);
        target.resume();
        if (!snapshot)
            return {SampleStep::Outcome::Skipped, std::nullopt, snapshot.error().message, vanished};
        if (read_cpu) cpu.apply(*snapshot);
        return {SampleStep::Outcome::Taken, std::move(*snapshot), {}, vanished};
    };
    return run_sample_loop(args.options, hooks);
}

SampleRun sample_running(const NonblockingTarget& target, const Session& session, const SampleArguments& args,
                         int pid) {
    XbtOptions options = xbt_options(args, pid);
    ThreadCpuStates cpu(pid);
    bool read_cpu = args.options.mode == SampleMode::Cpu;
    SampleLoopHooks hooks;
    hooks.interrupted = [] { return interrupted != 0; };
    hooks.progress = print_progress;
    hooks.take = [&]() -> SampleStep {
        if (read_cpu) cpu.read();
        target.next_sample();
        auto snapshot = session.xbt(options);
        if (snapshot && read_cpu) cpu.apply(*snapshot);
        if (snapshot) return {SampleStep::Outcome::Taken, std::move(*snapshot), {}};
        if (process_gone(pid)) return {SampleStep::Outcome::Ended, std::nullopt, "the process exited"};
        return {SampleStep::Outcome::Skipped, std::nullopt, "torn read: " + snapshot.error().message};
    };
    return run_sample_loop(args.options, hooks);
}

Result<SampleRun> sample_process(const SampleArguments& args, int pid) {
    if (args.nonblocking) {
        PYXRAY_TRY(target, NonblockingTarget::open(pid));
        PYXRAY_TRY(session, Session::open(*target));
        PYXRAY_TRY_VOID(check_sample_mode(args.options, session.runtime()));
        if (thread_run_state(pid, pid) == 'T') say_stopped(pid);
        return sample_running(*target, session, args, pid);
    }
    PYXRAY_TRY(target, LiveTarget::attach(pid));
    PYXRAY_TRY(session, Session::open(*target));
    PYXRAY_TRY_VOID(check_sample_mode(args.options, session.runtime()));
    return sample_stopping(*target, session, args, pid);
}

// The launched program is found by its runtime once it has loaded it: until then there is
// nothing to sample (a program that never loads one is not Python; the caller ends it).
Result<void> wait_for_runtime(int pid, const std::string& program) {
    constexpr auto deadline = std::chrono::seconds(10);
    auto start = std::chrono::steady_clock::now();
    for (;;) {
        auto target = NonblockingTarget::open(pid);
        if (target && Session::open(**target)) return {};
        if (process_gone(pid))
            return fail(ErrorCode::InvalidArgument,
                        fmt::format("process {} exited before it could be sampled", pid));
        if (std::chrono::steady_clock::now() - start > deadline)
            return fail(ErrorCode::NotPython,
                        fmt::format("no CPython runtime in process {} after 10 s (is {} a Python "
                                    "program?); pyxray ended it",
                                    pid, program));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

Result<int> launch(const std::vector<std::string>& program) {
    std::vector<char*> argv;
    argv.reserve(program.size() + 1);
    for (const auto& word : program) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    pid_t child = fork();
    if (child < 0)
        return fail(ErrorCode::Io, fmt::format("cannot start {}: {}", program.front(), std::strerror(errno)));
    if (child == 0) {
        execvp(argv.front(), argv.data());
        std::fprintf(stderr, "pyxray: cannot run %s: %s\n", argv.front(), std::strerror(errno));
        _exit(127);
    }
    return child;
}

Result<void> write_output(const SampleOptions& options, const SampleRun& run) {
    if (isatty(STDERR_FILENO)) std::fputs("\r", stderr);
    std::fprintf(stderr, "pyxray: %s\n", describe_sample_run(run).c_str());
    PYXRAY_TRY(console, write_sample_outputs(run, options));
    std::fwrite(console.data(), 1, console.size(), stdout);
    return {};
}

}  // namespace

CLI::App* add_sample_command(CLI::App& app, SampleArguments& args) {
    CLI::App* sample = app.add_subcommand(
        "sample", "Sample merged stacks of a live process (or of a program it launches after --)");
    add_examples(*sample,
                 {"pyxray sample --pid 1234 --duration 10",
                  "pyxray sample --pid 1234 --nonblocking --mode cpu -o profile.html -o profile.folded",
                  "pyxray sample -o out.folded -- python3 script.py"});
    auto* pid = sample->add_option("-p,--pid", args.pid, "Process to sample");
    sample
        ->add_option(
            "--rate", args.options.rate_hz,
            fmt::format("Samples per second on average, at random intervals around 1/RATE (default {:g})",
                        SampleOptions{}.rate_hz))
        ->check(CLI::PositiveNumber);
    auto* duration = sample->add_option("--duration", args.options.duration_s, "Seconds to sample")
                         ->check(CLI::PositiveNumber);
    auto* count =
        sample->add_option("--samples", args.options.samples, "Samples to take")->check(CLI::PositiveNumber);
    duration->excludes(count);
    sample->add_option("--threads", args.threads, "all (default) or current (the main thread)")
        ->check(CLI::IsMember(member_list(kSampleThreadChoices)));
    sample->add_flag("--python-only", args.options.python_only, "Python frames only");
    // One path per -o, appended as each is parsed: a vector option would also swallow the `--`
    // before a program.
    sample
        ->add_option_function<std::string>(
            "-o,--output", [&args](const std::string& path) { args.options.output_paths.push_back(path); },
            "Write the profile here (repeatable; the format from --format, else the extension: .folded, "
            ".speedscope.json, .html, .txt); print the top table")
        ->trigger_on_parse();
    sample->add_option("--format", args.format, "text (default), folded, speedscope or html")
        ->check(CLI::IsMember(member_list(kSampleFormatChoices)));
    sample
        ->add_option("--mode", args.mode,
                     "wall (default): every thread; cpu: threads on a CPU; gil: the GIL holder")
        ->check(CLI::IsMember(member_list(kSampleModeChoices)));
    sample->add_flag("--idle", args.options.idle,
                     "cpu and gil modes: keep the other threads too, marked (idle)");
    sample->add_flag("--nonblocking", args.nonblocking,
                     "Read memory while the process runs, never stopping it (Python frames only)");
    sample
        ->add_option("--slow", args.options.slow_ms,
                     "Report threads whose stack kept the same base for longer than MS milliseconds")
        ->check(CLI::PositiveNumber);
    auto* program =
        sample->add_option("program", args.program,
                           "After --: the program to launch and sample (a lone number: a pid, as --pid)");
    pid->excludes(program);
    sample->callback([&args, pid, program] {
        if (pid->count() == 0 && program->count() == 0)
            throw CLI::ValidationError("sample needs PID, --pid PID or -- PROGRAM [ARGS...]");
        if (args.program.size() == 1 && is_pid_word(args.program.front())) {
            args.pid = std::stoi(args.program.front());
            args.program.clear();
        }
    });
    return sample;
}

namespace {

// A program pyxray launched ends with the sampling, as under py-spy's `record -- PROGRAM` (its
// src/main.rs kills the child): the profile is of this run, the output comes at once, and no
// process the user did not start by hand is left behind. SIGKILL, so that nothing delays it.
// Returns whether it was still running.
bool end_launched(int pid) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) != 0) return false;  // exited and reaped now (or before)
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    return true;
}

Result<SampleRun> sample_launched(const SampleArguments& args, int pid) {
    PYXRAY_TRY_VOID(wait_for_runtime(pid, args.program.front()));
    return sample_process(args, pid);
}

int write_run(const SampleArguments& args, const Result<SampleRun>& run) {
    if (!run) return report(run.error().message);
    if (auto written = write_output(args.options, *run); !written) return report(written.error().message);
    return std::fflush(stdout) == 0 ? EXIT_SUCCESS : report("cannot write to standard output");
}

}  // namespace

int run_sample(SampleArguments& args) {
    if (!args.format.empty()) args.options.format = *parse_sample_format(args.format);
    args.options.mode = *parse_sample_mode(args.mode);
    if (auto outputs = sample_outputs_of(args.options); !outputs) return report(outputs.error().message);
    args.options.all_threads = args.threads == "all";
    InterruptScope ctrl_c;
    if (args.program.empty()) return write_run(args, sample_process(args, args.pid));
    auto child = launch(args.program);
    if (!child) return report(child.error().message);
    auto run = sample_launched(args, *child);
    if (end_launched(*child) && run)
        std::fprintf(stderr, "pyxray: ended %s (process %d), still running when sampling ended\n",
                     args.program.front().c_str(), *child);
    return write_run(args, run);
}

}  // namespace pyxray::cli

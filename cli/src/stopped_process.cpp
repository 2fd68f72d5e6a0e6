#include "stopped_process.hpp"

#include <fmt/format.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"

namespace pyxray::cli {
namespace {

sigset_t child_signal_set() {
    sigset_t child;
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    return child;
}

}  // namespace

ChildSignalBlock::ChildSignalBlock() {
    sigset_t child = child_signal_set();
    pthread_sigmask(SIG_BLOCK, &child, &previous_);
}

ChildSignalBlock::~ChildSignalBlock() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

namespace {

using Clock = std::chrono::steady_clock;
// A thread that does not stop within this (uninterruptible sleep, a dying process) fails the
// command instead of hanging it.
constexpr auto stop_deadline = std::chrono::seconds(2);
constexpr int max_rescans = 64;

struct ProcStatus {
    int tgid = 0;
    int tracer = 0;
};

Result<ProcStatus> read_status(int pid) {
    std::ifstream file(fmt::format("/proc/{}/status", pid));
    if (!file)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("no process {}: /proc/{}/status does not exist; check the pid", pid, pid));
    ProcStatus status;
    std::string line;
    while (std::getline(file, line)) {
        if (line.starts_with("Tgid:")) status.tgid = std::atoi(line.c_str() + 5);
        if (line.starts_with("TracerPid:")) status.tracer = std::atoi(line.c_str() + 10);
    }
    if (status.tgid <= 0)
        return fail(ErrorCode::Io, fmt::format("cannot read the thread group of process {} from /proc", pid));
    return status;
}

}  // namespace

// 'Z' (zombie) and 'X' (dead) threads have no stack and cannot be traced.
bool is_dead_thread(int pid, int64_t tid) {
    char state = thread_run_state(pid, tid);
    return state == 0 || state == 'Z' || state == 'X';
}

namespace {

// fs_base (pthread_self() on x86-64) and the stack pointer, when the registers can be read.
void read_thread_registers([[maybe_unused]] StoppedThread& thread) {
#if defined(__x86_64__)
    user_regs_struct regs{};
    if (ptrace(PTRACE_GETREGS, static_cast<pid_t>(thread.tid), nullptr, &regs) != 0) return;
    thread.fs_base = regs.fs_base;
    thread.stack_pointer = regs.rsp;
#endif
}

enum class WaitOutcome { Stopped, Gone, TimedOut };

bool is_job_control_signal(int signo) {
    return signo == SIGSTOP || signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;
}

// Sleeps until a tracee changes state (SIGCHLD, blocked by ChildSignalBlock) or for at most a
// millisecond: the cap bounds the wait for a SIGCHLD that was merged with an earlier one or taken
// by another thread.
void wait_for_child_signal(Clock::time_point deadline) {
    sigset_t child = child_signal_set();
    auto slice = std::clamp<Clock::duration>(deadline - Clock::now(), Clock::duration::zero(),
                                             std::chrono::milliseconds(1));
    auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count();
    timespec timeout{0, static_cast<long>(nanoseconds)};
    sigtimedwait(&child, nullptr, &timeout);
}

// Never blocks past the deadline, so a thread that never stops cannot hang the command.
WaitOutcome wait_for_stop(StoppedThread& thread, Clock::time_point deadline) {
    for (;;) {
        int status = 0;
        pid_t result = waitpid(static_cast<pid_t>(thread.tid), &status, __WALL | WNOHANG);
        if (result == -1 && errno == EINTR) continue;
        if (result == -1) return WaitOutcome::Gone;
        if (result == 0) {
            if (Clock::now() >= deadline) return WaitOutcome::TimedOut;
            wait_for_child_signal(deadline);
            continue;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) return WaitOutcome::Gone;
        if (!WIFSTOPPED(status)) continue;
        // Event 0 is a signal-delivery stop: the signal was on its way in; hand it back at detach.
        int event = status >> 16;
        if (event == 0) thread.pending_signal = WSTOPSIG(status);
        // A seized thread reports a group-stop as PTRACE_EVENT_STOP with the stopping signal
        // (an interrupt of a running thread: with SIGTRAP).
        thread.group_stopped = event == PTRACE_EVENT_STOP && is_job_control_signal(WSTOPSIG(status));
        return WaitOutcome::Stopped;
    }
}

// At teardown: a resumed thread must stop before it can be detached.
void interrupt_and_wait(StoppedThread& thread, Clock::time_point deadline) {
    thread.resumed = false;
    if (ptrace(PTRACE_INTERRUPT, static_cast<pid_t>(thread.tid), nullptr, nullptr) != 0) return;
    thread.stopped = wait_for_stop(thread, deadline) == WaitOutcome::Stopped;
}

}  // namespace

Result<std::unique_ptr<StoppedProcess>> StoppedProcess::stop(int pid) {
    if (pid <= 0)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("invalid pid {}: give a positive process id", pid));
    PYXRAY_TRY(status, read_status(pid));
    if (status.tgid == getpid())
        return fail(ErrorCode::InvalidArgument, "pyxray cannot inspect its own process");
    if (status.tracer != 0)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("process {} is already traced by process {} (a debugger?); detach it "
                                "first or use py-xbt inside that debugger",
                                pid, status.tracer));
    std::unique_ptr<StoppedProcess> process(new StoppedProcess(status.tgid));
    PYXRAY_TRY_VOID(process->stop_all_threads());
    return process;
}

StoppedProcess::~StoppedProcess() {
    // PTRACE_DETACH needs a stopped thread; one that will not stop is left to the kernel.
    for (StoppedThread& thread : threads_)
        if (thread.resumed) interrupt_and_wait(thread, Clock::now() + stop_deadline);
    for (const StoppedThread& thread : threads_) {
        if (!thread.stopped) continue;  // the kernel detaches it when we exit
        ptrace(PTRACE_DETACH, static_cast<pid_t>(thread.tid), nullptr,
               reinterpret_cast<void*>(static_cast<intptr_t>(thread.pending_signal)));
    }
}

// PTRACE_CONT would run a thread job control stopped; PTRACE_LISTEN leaves it in its group-stop
// (a SIGCONT meanwhile still wakes it) and PTRACE_INTERRUPT traps it again for the next sample.
void StoppedProcess::resume() {
    for (StoppedThread& thread : threads_) {
        if (!thread.stopped) continue;
        auto request = thread.group_stopped ? PTRACE_LISTEN : PTRACE_CONT;
        if (ptrace(request, static_cast<pid_t>(thread.tid), nullptr,
                   reinterpret_cast<void*>(static_cast<intptr_t>(thread.pending_signal))) != 0)
            continue;  // exited meanwhile, or held in its stop: stop_again finds out
        thread.pending_signal = 0;
        thread.stopped = false;
        thread.resumed = true;
    }
}

Result<void> StoppedProcess::stop_again() {
    vanished_ = 0;
    auto deadline = Clock::now() + stop_deadline;
    for (StoppedThread& thread : threads_)
        if (thread.resumed && ptrace(PTRACE_INTERRUPT, static_cast<pid_t>(thread.tid), nullptr, nullptr) != 0)
            thread.resumed = false;  // gone
    for (StoppedThread& thread : threads_) {
        if (!thread.resumed) continue;
        WaitOutcome outcome = wait_for_stop(thread, deadline);
        if (outcome == WaitOutcome::TimedOut)
            return fail(ErrorCode::Io, fmt::format("thread {} of process {} did not stop within 2 s "
                                                   "(uninterruptible sleep?)",
                                                   thread.tid, pid_));
        thread.resumed = false;
        thread.stopped = outcome == WaitOutcome::Stopped;
        if (thread.stopped) read_thread_registers(thread);
    }
    std::erase_if(threads_, [](const StoppedThread& thread) { return !thread.stopped; });
    // Forget the tids of threads that exited: a churning process reuses them within seconds.
    seen_.clear();
    for (const StoppedThread& thread : threads_) seen_.insert(thread.tid);
    return stop_all_threads();
}

bool StoppedProcess::job_control_stopped() const {
    bool any = false;
    for (const StoppedThread& thread : threads_) {
        if (!thread.stopped) continue;
        if (!thread.group_stopped) return false;
        any = true;
    }
    return any;
}

int StoppedProcess::address_space_tid() const {
    for (const StoppedThread& thread : threads_)
        if (thread.stopped && thread.tid == pid_) return pid_;
    for (const StoppedThread& thread : threads_)
        if (thread.stopped) return static_cast<int>(thread.tid);
    return pid_;
}

// Threads may be created while we stop the others: rescan until a pass finds none.
Result<void> StoppedProcess::stop_all_threads() {
    for (int pass = 0; pass < max_rescans; ++pass) {
        PYXRAY_TRY(stopped_now, stop_new_threads());
        if (stopped_now == 0) {
            if (threads_.empty())
                return fail(ErrorCode::InvalidArgument,
                            fmt::format("process {} has no live threads to stop", pid_));
            return {};
        }
    }
    return fail(ErrorCode::Io, fmt::format("process {} kept creating threads through {} scans of "
                                           "/proc/{}/task; try again",
                                           pid_, max_rescans, pid_));
}

Result<size_t> StoppedProcess::stop_new_threads() {
    PYXRAY_TRY(tids, threads_of_process(pid_));
    size_t stopped_now = 0;
    for (int64_t tid : tids) {
        if (!seen_.insert(tid).second) continue;
        if (is_dead_thread(pid_, tid)) {
            if (tid != pid_) ++vanished_;  // a leader's zombie stays until the process ends
            continue;
        }
        PYXRAY_TRY_VOID(stop_thread(tid));
        ++stopped_now;
    }
    return stopped_now;
}

Result<void> StoppedProcess::stop_thread(int64_t tid) {
    auto os_tid = static_cast<pid_t>(tid);
    if (ptrace(PTRACE_SEIZE, os_tid, nullptr, nullptr) == -1) return refuse_or_skip(tid, errno);
    threads_.push_back(StoppedThread{tid, std::nullopt, std::nullopt, 0, false, false, false});
    StoppedThread& thread = threads_.back();
    if (ptrace(PTRACE_INTERRUPT, os_tid, nullptr, nullptr) == -1) {
        if (errno == ESRCH) {
            threads_.pop_back();
            ++vanished_;
            return {};
        }
        return fail(ErrorCode::Io,
                    fmt::format("cannot stop thread {} of process {}: {}", tid, pid_, std::strerror(errno)));
    }
    switch (wait_for_stop(thread, Clock::now() + stop_deadline)) {
        case WaitOutcome::Gone:
            threads_.pop_back();
            ++vanished_;
            return {};
        case WaitOutcome::TimedOut:
            return fail(ErrorCode::Io, fmt::format("thread {} of process {} did not stop within 2 s "
                                                   "(uninterruptible sleep?); try again",
                                                   tid, pid_));
        case WaitOutcome::Stopped:
            break;
    }
    thread.stopped = true;
    read_thread_registers(thread);
    return {};
}

// The kernel refuses to seize a thread that has begun to exit (its exit_state is set) with
// EPERM, the errno of a permission refusal: the thread's state tells them apart. An exiting
// thread is a zombie or already gone when we look; a process we may not trace fails on a live
// thread (on every one of them).
Result<void> StoppedProcess::refuse_or_skip(int64_t tid, int seize_errno) {
    if (seize_errno == ESRCH || (seize_errno == EPERM && is_dead_thread(pid_, tid))) {
        ++vanished_;
        return {};
    }
    return fail(ErrorCode::InvalidArgument,
                fmt::format("cannot attach to process {} (thread {}): {}; pyxray needs the same "
                            "user or CAP_SYS_PTRACE, and no other tracer",
                            pid_, tid, std::strerror(seize_errno)));
}

}  // namespace pyxray::cli

// A live process with every thread held in a ptrace stop for as long as this object lives, so
// memory, registers and stacks are read from one consistent moment. The sampler resumes and
// stops it again many times while staying attached (resume / stop_again).
#pragma once

#include <signal.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "pyxray/result.hpp"

namespace pyxray::cli {

struct StoppedThread {
    int64_t tid = 0;
    std::optional<uint64_t> fs_base;  // x86-64: the thread's pthread_self()
    std::optional<uint64_t> stack_pointer;
    int pending_signal = 0;      // a signal the stop intercepted; delivered again at detach
    bool stopped = false;        // false while stopping, when it never stopped, or resumed
    bool resumed = false;        // attached and running (StoppedProcess::resume), or listening
    bool group_stopped = false;  // its last stop was job control's (SIGSTOP, SIGTSTP, ...)
};

// Whether thread `tid` of process `pid` is gone, a zombie or dead.
bool is_dead_thread(int pid, int64_t tid);

// SIGCHLD held blocked for a scope, so that every tracee stop is queued for sigtimedwait (a
// blocked signal is never discarded as ignored) rather than found by polling.
class ChildSignalBlock {
public:
    ChildSignalBlock();
    ~ChildSignalBlock();
    ChildSignalBlock(const ChildSignalBlock&) = delete;
    ChildSignalBlock& operator=(const ChildSignalBlock&) = delete;

private:
    sigset_t previous_{};
};

class StoppedProcess {
public:
    // PTRACE_SEIZE + PTRACE_INTERRUPT on every thread, rescanning /proc/PID/task until no new
    // thread appears. Fails with one line when the process is absent or cannot be traced.
    static Result<std::unique_ptr<StoppedProcess>> stop(int pid);
    ~StoppedProcess();  // detaches every thread; they resume as they were

    // Lets every thread run on, still attached; a signal a stop intercepted is delivered now. A
    // thread job control had stopped stays stopped (PTRACE_LISTEN): sampling never runs it.
    void resume();
    // Stops every thread again (and any thread started meanwhile); forgets threads that exited.
    Result<void> stop_again();
    // Threads the last stop found in /proc/PID/task that exited before they could be stopped:
    // left out of that stop, not an error.
    size_t vanished_threads() const { return vanished_; }
    // Whether job control has the process stopped (every thread's stop was a group-stop).
    bool job_control_stopped() const;

    StoppedProcess(const StoppedProcess&) = delete;
    StoppedProcess& operator=(const StoppedProcess&) = delete;

    int pid() const { return pid_; }
    // A live thread whose /proc entries and process_vm_readv reach the address space: the leader,
    // unless it has exited (pthread_exit in main) and left a zombie whose /proc/PID/maps is empty.
    int address_space_tid() const;
    const std::vector<StoppedThread>& threads() const { return threads_; }

private:
    explicit StoppedProcess(int pid) : pid_(pid) {}
    Result<void> stop_all_threads();
    Result<size_t> stop_new_threads();
    Result<void> stop_thread(int64_t tid);
    Result<void> refuse_or_skip(int64_t tid, int seize_errno);

    ChildSignalBlock child_signal_;  // first in, last out: the destructor still waits for stops
    int pid_;
    std::vector<StoppedThread> threads_;
    std::set<int64_t> seen_;  // tids this stop has listed already
    size_t vanished_ = 0;
};

}  // namespace pyxray::cli

// The debuggers' sampler stops the target by signalling it from a thread of its own after an
// interval: the debugger's Continue() blocks the thread that called it (and, in LLDB, holds
// the target's API lock), and the debugger turns the signal into a stop it does not deliver.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pyxray {

class StopTimer {
public:
    // Sends `signo` to process `pid` after `seconds`, unless cancelled first; `before_stop` runs
    // just before the signal goes out (cpu mode reads which threads are running then).
    StopTimer(pid_t pid, int signo, double seconds, std::function<void()> before_stop = {});
    ~StopTimer();  // cancels, then waits for the thread
    StopTimer(const StopTimer&) = delete;
    StopTimer& operator=(const StopTimer&) = delete;

    // Whether the signal went out; after cancel() it never will.
    bool cancel();

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool cancelled_ = false;
    bool fired_ = false;
    std::thread thread_;  // last: it starts once everything it uses exists
};

}  // namespace pyxray

#include "pyxray/stop_timer.hpp"

#include <signal.h>

#include <chrono>

namespace pyxray {

StopTimer::StopTimer(pid_t pid, int signo, double seconds, std::function<void()> before_stop)
    : thread_([this, pid, signo, seconds, before_stop = std::move(before_stop)] {
          std::unique_lock lock(mutex_);
          if (wake_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return cancelled_; }))
              return;
          // Under the lock: cancel() then sees what before_stop wrote.
          if (before_stop) before_stop();
          fired_ = true;
          kill(pid, signo);
      }) {}

bool StopTimer::cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    wake_.notify_all();
    return fired_;
}

StopTimer::~StopTimer() {
    cancel();
    thread_.join();
}

}  // namespace pyxray

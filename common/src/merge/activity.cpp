#include "merge/activity.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "merge/classify.hpp"

namespace pyxray {
namespace {

// Frames inside the innermost eval-loop call that mean the thread is blocked taking the GIL:
// take_gil itself (static, so gone in stripped builds) and the exported calls that take it
// back after a blocking call (PyEval_RestoreThread, 3.13's _PyThreadState_Attach, ...).
constexpr std::array<std::string_view, 7> kTakingGil = {
    "take_gil",
    "PyEval_RestoreThread",
    "PyEval_AcquireThread",
    "PyEval_AcquireLock",
    "_PyThreadState_Attach",
    "PyGILState_Ensure",
    "_PyEval_ReInitThreads",
};

// Sleeps and waits a thread blocks in when it has nothing to do: libc's sleep and poll calls
// (time.sleep is select() before 3.11), and the lock and condition waits of threading.
constexpr std::array<std::string_view, 22> kIdleCalls = {
    "clock_nanosleep",
    "__clock_nanosleep",
    "__GI___clock_nanosleep",
    "nanosleep",
    "__nanosleep",
    "usleep",
    "select",
    "__select",
    "pselect",
    "poll",
    "__poll",
    "ppoll",
    "epoll_wait",
    "epoll_pwait",
    "pause",
    "sigwait",
    "sigtimedwait",
    "pthread_cond_wait",
    "pthread_cond_timedwait",
    "pthread_join",
    "PyThread_acquire_lock_timed",
    "PyThread_acquire_lock",
};

// Prefixes of glibc's futex and semaphore waits, whose internal names vary by release
// (__futex_abstimed_wait_common64, do_futex_wait.constprop.0, __new_sem_wait_slow64, ...).
constexpr std::array<std::string_view, 5> kIdlePrefixes = {"__futex_abstimed_wait", "do_futex_wait",
                                                           "__new_sem_wait", "sem_", "__pthread_cond_"};

bool is_one_of(std::string_view name, const auto& names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_idle_call(std::string_view name) {
    if (is_one_of(name, kIdleCalls)) return true;
    return std::any_of(kIdlePrefixes.begin(), kIdlePrefixes.end(),
                       [&](std::string_view prefix) { return name.starts_with(prefix); });
}

}  // namespace

ThreadActivity thread_activity(const std::vector<NativeFrame>* native, std::optional<bool> holds_gil) {
    if (!native || native->empty())
        return holds_gil.value_or(false) ? ThreadActivity::Running : ThreadActivity::Unknown;
    bool idle = false;
    // Only the frames the innermost eval-loop call runs say what the thread does now.
    for (const NativeFrame& frame : *native) {
        std::string_view name = base_symbol_name(without_symbol_version(frame.function));
        if (classify_native(name) == NativeRole::EvalLoop)
            return idle ? ThreadActivity::Idle : ThreadActivity::Running;
        if (is_one_of(name, kTakingGil)) return ThreadActivity::WaitingForGil;
        if (is_idle_call(name)) idle = true;
    }
    return idle ? ThreadActivity::Idle : ThreadActivity::Native;
}

}  // namespace pyxray

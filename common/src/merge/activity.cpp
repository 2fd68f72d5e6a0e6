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

bool in_libc(const NativeFrame& frame) {
    auto slash = frame.module.rfind('/');
    std::string_view file = std::string_view(frame.module).substr(slash == std::string::npos ? 0 : slash + 1);
    return file.starts_with("libc.so") || file.starts_with("libc-");
}

}  // namespace

// Only the frames above the innermost eval-loop call say what the thread does now: a wait for
// the GIL, a sleep or a wait (idle), or other C code. A thread holding the GIL runs Python
// (the eval loop or C code it called, which keeps every other thread out); one that released
// it and does not wait is in C or a syscall. Without a GIL to ask (free-threaded builds, or
// unknown), a thread whose innermost frame is in libc is in a syscall, any other runs.
ThreadActivity thread_activity(const std::vector<NativeFrame>* native, std::optional<bool> holds_gil) {
    if (!native || native->empty())
        return holds_gil.value_or(false) ? ThreadActivity::Running : ThreadActivity::Unknown;
    bool idle = false;
    for (const NativeFrame& frame : *native) {
        std::string_view name = base_symbol_name(without_symbol_version(frame.function));
        if (classify_native(name) == NativeRole::EvalLoop) break;
        if (is_one_of(name, kTakingGil)) return ThreadActivity::WaitingForGil;
        if (is_idle_call(name)) idle = true;
    }
    if (idle) return ThreadActivity::Idle;
    if (holds_gil) return *holds_gil ? ThreadActivity::Running : ThreadActivity::Native;
    return in_libc(native->front()) ? ThreadActivity::Native : ThreadActivity::Running;
}

}  // namespace pyxray

#include "interp/thread_activity.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "merge/classify.hpp"
#include "pyxray/path_names.hpp"

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
// (time.sleep is select() before 3.11), and the lock waits of threading (CPython's locks wait
// on semaphores). Compared without glibc's __GI_/__libc_ prefixes and leading underscores.
constexpr std::array<std::string_view, 19> kIdleCalls = {
    "clock_nanosleep",
    "nanosleep",
    "usleep",
    "select",
    "pselect",
    "pselect6",
    "poll",
    "ppoll",
    "epoll_wait",
    "epoll_pwait",
    "pause",
    "sigwait",
    "sigtimedwait",
    "pthread_join",
    "PyThread_acquire_lock_timed",
    "PyThread_acquire_lock",
    "PyMutex_Lock",
    "_PySemaphore_Wait",
    "PyEvent_Wait",
};

// Prefixes of glibc's semaphore waits, whose internal names vary by release
// (do_futex_wait.constprop.0, __new_sem_wait_slow64, sem_clockwait, ...).
constexpr std::array<std::string_view, 3> kIdlePrefixes = {"do_futex_wait", "new_sem_wait", "sem_"};

// Condition-variable waits: take_gil's (COND_TIMED_WAIT). CPython's own locks use semaphores,
// so a Python thread that does not hold the GIL and waits on a condition variable is taking
// the GIL when no symbol (a stripped libpython) names take_gil above it.
constexpr std::array<std::string_view, 2> kConditionPrefixes = {"pthread_cond_", "new_pthread_cond_"};

bool is_one_of(std::string_view name, const auto& names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool starts_with_one_of(std::string_view name, const auto& prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](std::string_view prefix) { return name.starts_with(prefix); });
}

}  // namespace

std::string_view plain_libc_name(std::string_view name) {
    for (std::string_view prefix : {"__GI_", "__libc_"})
        if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
    while (name.starts_with('_') && !name.starts_with("_Py")) name.remove_prefix(1);
    return name;
}

// Only the frames above the innermost eval-loop call say what the thread does now: a wait for
// the GIL, a sleep or a wait (idle), or other C code. A thread holding the GIL runs Python
// (the eval loop or C code it called, which keeps every other thread out); one that released
// it and does not wait is in C or a syscall. Without a GIL to ask (free-threaded builds, or
// unknown), a thread whose innermost frame is in libc is in a syscall, any other runs.
ThreadActivity thread_activity(const std::vector<NativeFrame>* native, std::optional<bool> holds_gil,
                               bool python) {
    if (!native || native->empty())
        return holds_gil.value_or(false) ? ThreadActivity::Running : ThreadActivity::Unknown;
    bool idle = false, condition = false;
    for (const NativeFrame& frame : *native) {
        std::string_view name = base_symbol_name(without_symbol_version(frame.function));
        if (classify_native(name) == NativeRole::EvalLoop) break;
        if (is_one_of(name, kTakingGil)) return ThreadActivity::WaitingForGil;
        std::string_view plain = plain_libc_name(name);
        if (is_one_of(plain, kIdleCalls) || starts_with_one_of(plain, kIdlePrefixes)) idle = true;
        if (starts_with_one_of(plain, kConditionPrefixes)) condition = true;
    }
    if (idle) return ThreadActivity::Idle;
    if (condition) return python && holds_gil == false ? ThreadActivity::WaitingForGil : ThreadActivity::Idle;
    if (holds_gil) return *holds_gil ? ThreadActivity::Running : ThreadActivity::Native;
    return is_libc_path(native->front().module) ? ThreadActivity::Native : ThreadActivity::Running;
}

}  // namespace pyxray

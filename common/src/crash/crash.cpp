#include "crash/crash.hpp"

#include <algorithm>

#include "crash/signals.hpp"

namespace pyxray {

std::optional<Crash> crash_from_signal(const std::optional<TargetSignal>& signal) {
    if (!signal || !is_fatal_signal(signal->signo)) return std::nullopt;
    Crash crash;
    crash.signal = signal_name(signal->signo);
    crash.signo = signal->signo;
    crash.code = signal->code;
    if (signal->code) crash.code_name = signal_code_name(signal->signo, *signal->code);
    crash.address = signal->address;
    crash.tid = signal->tid;
    return crash;
}

void put_crashing_thread_first(Snapshot& snapshot) {
    snapshot.crash = crash_from_signal(snapshot.target.signal);
    if (!snapshot.crash) return;
    for (auto& thread : snapshot.threads) thread.crashed = thread.tid == snapshot.crash->tid;
    std::stable_partition(snapshot.threads.begin(), snapshot.threads.end(),
                          [](const ThreadStack& thread) { return thread.crashed; });
}

}  // namespace pyxray

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "pyxray/process.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

// Nanoseconds the thread has run (schedstat's first field); empty when the kernel keeps none.
std::optional<uint64_t> thread_run_ns(int pid, int64_t tid) {
    std::ifstream file(fmt::format("/proc/{}/task/{}/schedstat", pid, tid));
    uint64_t run_ns = 0;
    if (!(file >> run_ns)) return std::nullopt;
    return run_ns;
}

}  // namespace

void ThreadCpuStates::read() {
    running_.clear();
    auto tids = threads_of_process(pid_);
    if (!tids) return;
    std::unordered_map<int64_t, uint64_t> ran;  // since the last read, for threads seen both times
    std::unordered_map<int64_t, uint64_t> run_ns;
    uint64_t busiest = 0;
    for (int64_t tid : *tids) {
        char state = thread_run_state(pid_, tid);
        if (state == 0) continue;
        running_[tid] = state == 'R';
        auto now = thread_run_ns(pid_, tid);
        if (!now) continue;
        run_ns[tid] = *now;
        if (auto before = run_ns_.find(tid); before != run_ns_.end() && *now >= before->second) {
            ran[tid] = *now - before->second;
            busiest = std::max(busiest, ran[tid]);
        }
    }
    for (auto& [tid, running] : running_)
        if (auto found = ran.find(tid); running && found != ran.end())
            running = found->second * 10 >= busiest;
    run_ns_ = std::move(run_ns);
}

void ThreadCpuStates::apply(Snapshot& snapshot) const {
    for (ThreadStack& thread : snapshot.threads) {
        auto found = running_.find(thread.tid);
        thread.on_cpu = found == running_.end() ? std::nullopt : std::optional<bool>(found->second);
    }
}

}  // namespace pyxray

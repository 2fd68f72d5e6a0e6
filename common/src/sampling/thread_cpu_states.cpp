#include "pyxray/process.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {

void ThreadCpuStates::read() {
    running_.clear();
    auto tids = threads_of_process(pid_);
    if (!tids) return;
    for (int64_t tid : *tids) {
        char state = thread_run_state(pid_, tid);
        if (state != 0) running_[tid] = state == 'R';
    }
}

void ThreadCpuStates::apply(Snapshot& snapshot) const {
    for (ThreadStack& thread : snapshot.threads) {
        auto found = running_.find(thread.tid);
        thread.on_cpu = found == running_.end() ? std::nullopt : std::optional<bool>(found->second);
    }
}

}  // namespace pyxray

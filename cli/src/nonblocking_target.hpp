// `pyxray sample --nonblocking`: a live process read while it runs, never stopped or traced.
// Python frames only (a native unwind of a running thread is meaningless), and a snapshot may
// be torn: the walkers' caps and checks bound what a moving target can make them read, and a
// sample that fails to decode is skipped, not fatal.
#pragma once

#include <dirent.h>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "pyxray/result.hpp"
#include "pyxray/target.hpp"

namespace pyxray::cli {

class NonblockingTarget final : public Target {
public:
    static Result<std::unique_ptr<NonblockingTarget>> open(int pid);

    const Memory& memory() const override { return *memory_; }
    TargetInfo info() const override { return info_; }
    Result<std::vector<ModuleInfo>> modules() const override { return modules_; }
    Result<std::vector<ThreadInfo>> threads() const override;
    Result<std::vector<NativeFrame>> native_frames(int64_t tid) const override;
    Result<std::vector<MemoryRegion>> memory_regions() const override { return regions_; }

    // Before each sample: pages cached for the last one are stale.
    void next_sample() const { memory_->invalidate(); }

    // How long a thread list is trusted while the count of threads stays the same, and how
    // often that count is looked at.
    static constexpr std::chrono::milliseconds kThreadListLife{200};
    static constexpr std::chrono::milliseconds kThreadCountLife{5};

private:
    NonblockingTarget(int pid, std::vector<ModuleInfo> modules, std::vector<MemoryRegion> regions);

    int pid_;
    std::unique_ptr<Memory> memory_;
    TargetInfo info_;
    std::vector<ModuleInfo> modules_;
    std::vector<MemoryRegion> regions_;
    // Listing /proc/PID/task costs five system calls, counting its threads one (see threads()).
    mutable std::vector<ThreadInfo> threads_;
    std::unique_ptr<DIR, int (*)(DIR*)> task_dir_;  // /proc/PID/task, whose fstat counts them
    mutable std::optional<uint64_t> thread_count_;
    mutable std::chrono::steady_clock::time_point threads_read_at_, count_read_at_;
};

}  // namespace pyxray::cli

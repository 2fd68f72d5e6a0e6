// `pyxray sample --nonblocking`: a live process read while it runs, never stopped or traced.
// Python frames only (a native unwind of a running thread is meaningless), and a snapshot may
// be torn: the walkers' caps and checks bound what a moving target can make them read, and a
// sample that fails to decode is skipped, not fatal.
#pragma once

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

private:
    NonblockingTarget(int pid, std::vector<ModuleInfo> modules, std::vector<MemoryRegion> regions);

    int pid_;
    std::unique_ptr<Memory> memory_;
    TargetInfo info_;
    std::vector<ModuleInfo> modules_;
    std::vector<MemoryRegion> regions_;
};

}  // namespace pyxray::cli

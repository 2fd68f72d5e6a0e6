// `pyxray xbt --pid`: a live process, every thread stopped while this target lives.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "native_unwinder.hpp"
#include "pyxray/result.hpp"
#include "pyxray/target.hpp"
#include "stopped_process.hpp"

namespace pyxray::cli {

class LiveTarget final : public Target {
public:
    // Stops the process, then reports its modules to libdwfl; fails with one line.
    static Result<std::unique_ptr<LiveTarget>> attach(int pid);

    const Memory& memory() const override { return *memory_; }
    TargetInfo info() const override { return info_; }
    Result<std::vector<ModuleInfo>> modules() const override;
    Result<std::vector<ThreadInfo>> threads() const override;
    Result<std::vector<NativeFrame>> native_frames(int64_t tid) const override;
    Result<std::vector<MemoryRegion>> memory_regions() const override;

    // The sampler: let the process run on, still attached, then stop every thread again (and
    // forget the memory read before). Modules and mappings are kept from the first stop; the
    // modules are read again when a stack reaches code in none of them.
    void resume();
    Result<void> stop_again();
    // Threads the last stop left out because they exited while it stopped them.
    size_t vanished_threads() const { return process_->vanished_threads(); }
    // Job control has the process stopped: resume() keeps it stopped, every sample is the same.
    bool job_control_stopped() const { return process_->job_control_stopped(); }

private:
    LiveTarget(std::unique_ptr<StoppedProcess> process,
               std::shared_ptr<const std::vector<ModuleInfo>> modules, NativeUnwinder unwinder,
               TargetInfo info);

    // Declared first so it is destroyed last: the process resumes only after everything else.
    std::unique_ptr<StoppedProcess> process_;
    // Reads the modules again when a stack reached code in none of them (an extension imported
    // since they were read); whether the list changed.
    bool reload_modules() const;

    // From the first stop, kept for the sampler (and read again by reload_modules); the
    // unwinder's modules point into it.
    mutable std::shared_ptr<const std::vector<ModuleInfo>> modules_;
    mutable NativeUnwinder unwinder_;
    mutable bool modules_reloaded_this_stop_ = false;
    std::unique_ptr<Memory> memory_;
    TargetInfo info_;
    mutable std::optional<std::vector<MemoryRegion>> regions_;
};

}  // namespace pyxray::cli

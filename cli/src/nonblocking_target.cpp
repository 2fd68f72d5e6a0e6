#include "nonblocking_target.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"

namespace pyxray::cli {

Result<std::unique_ptr<NonblockingTarget>> NonblockingTarget::open(int pid) {
    if (pid <= 0)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("invalid pid {}: give a positive process id", pid));
    if (pid == getpid()) return fail(ErrorCode::InvalidArgument, "pyxray cannot inspect its own process");
    PYXRAY_TRY(modules, modules_of_process(pid));
    PYXRAY_TRY(regions, memory_regions_of_process(pid));
    return std::unique_ptr<NonblockingTarget>(
        new NonblockingTarget(pid, std::move(modules), std::move(regions)));
}

NonblockingTarget::NonblockingTarget(int pid, std::vector<ModuleInfo> modules,
                                     std::vector<MemoryRegion> regions)
    : pid_(pid),
      memory_(make_cached_memory(make_process_memory(pid))),
      info_{TargetKind::Live, pid, "", std::nullopt, command_line_of_process(pid)},
      modules_(std::move(modules)),
      regions_(std::move(regions)) {}

Result<std::vector<ThreadInfo>> NonblockingTarget::threads() const {
    PYXRAY_TRY(tids, threads_of_process(pid_));
    std::vector<ThreadInfo> threads;
    threads.reserve(tids.size());
    for (int64_t tid : tids) threads.push_back(ThreadInfo{tid, std::nullopt});
    return threads;
}

Result<std::vector<NativeFrame>> NonblockingTarget::native_frames(int64_t tid) const {
    return fail(ErrorCode::Unsupported,
                fmt::format("thread {}: no native stack in non-blocking mode (the thread runs on)", tid));
}

}  // namespace pyxray::cli

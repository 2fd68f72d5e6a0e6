#include "nonblocking_target.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
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
      regions_(std::move(regions)),
      task_dir_(opendir(fmt::format("/proc/{}/task", pid).c_str()), closedir) {}

namespace {

// /proc/PID/task's link count is 2 + the process's count of threads.
std::optional<uint64_t> thread_count(DIR* task_dir) {
    struct stat task {};
    if (!task_dir || fstat(dirfd(task_dir), &task) != 0) return std::nullopt;
    return static_cast<uint64_t>(task.st_nlink);
}

}  // namespace

// A sampler asks for the threads thousands of times a second. The list is read again when the
// count of threads (looked at every kThreadCountLife) changed or the list is older than
// kThreadListLife: a thread that started as another ended goes unlisted that long at most (its
// thread state is still shown, unmatched), a new one kThreadCountLife at most.
Result<std::vector<ThreadInfo>> NonblockingTarget::threads() const {
    auto now = std::chrono::steady_clock::now();
    bool listed = thread_count_ && now - threads_read_at_ < kThreadListLife;
    if (listed && now - count_read_at_ < kThreadCountLife) return threads_;
    auto count = thread_count(task_dir_.get());
    count_read_at_ = now;
    if (listed && count == thread_count_) return threads_;
    PYXRAY_TRY(tids, threads_of_process(pid_));
    threads_.clear();
    for (int64_t tid : tids) threads_.push_back(ThreadInfo{tid, std::nullopt});
    thread_count_ = count;
    threads_read_at_ = now;
    return threads_;
}

Result<std::vector<NativeFrame>> NonblockingTarget::native_frames(int64_t tid) const {
    return fail(ErrorCode::Unsupported,
                fmt::format("thread {}: no native stack in non-blocking mode (the thread runs on)", tid));
}

}  // namespace pyxray::cli

#include "live_target.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"

namespace pyxray::cli {
namespace {

char* no_debuginfo_path = nullptr;  // libdw's default search path

// A module of a process in a container: the file resolve_live_modules chose (through the
// process's root, with its build-id); any other: libdw's, by the path in /proc/PID/maps.
int find_live_elf(Dwfl_Module* module, void** userdata, const char* name, Dwarf_Addr base, char** file_name,
                  Elf** elf) {
    if (*userdata == nullptr) return dwfl_linux_proc_find_elf(module, userdata, name, base, file_name, elf);
    return open_resolved_file(*userdata, file_name);
}

const Dwfl_Callbacks live_callbacks = {
    .find_elf = find_live_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = &no_debuginfo_path,
};

std::string executable_of(int pid) {
    std::array<char, 4096> path{};
    ssize_t length = readlink(fmt::format("/proc/{}/exe", pid).c_str(), path.data(), path.size() - 1);
    return length > 0 ? std::string(path.data(), static_cast<size_t>(length)) : std::string();
}

// Reported after the stop, so the module list cannot change under the unwinder. `modules`
// (modules_of_process) must outlive the Dwfl.
Result<DwflPtr> report_process(int pid, const std::vector<ModuleInfo>& modules) {
    PYXRAY_TRY(dwfl, begin_dwfl(live_callbacks));
    int reported = dwfl_linux_proc_report(dwfl.get(), pid);
    if (reported != 0)
        return fail(ErrorCode::Io,
                    fmt::format("cannot read the modules of process {} from /proc/{}/maps: {}", pid, pid,
                                reported > 0 ? std::strerror(reported) : dwfl_error_text()));
    if (dwfl_report_end(dwfl.get(), nullptr, nullptr) != 0)
        return fail(ErrorCode::Io,
                    fmt::format("libdwfl rejected the modules of process {}: {}", pid, dwfl_error_text()));
    point_modules_at_resolved(dwfl.get(), modules);
    // We hold every thread stopped already: libdwfl must not attach and detach per thread.
    int attached = dwfl_linux_proc_attach(dwfl.get(), pid, true);
    if (attached != 0)
        return fail(ErrorCode::Io, fmt::format("libdwfl cannot attach to process {}: {}", pid,
                                               attached > 0 ? std::strerror(attached) : dwfl_error_text()));
    return dwfl;
}

}  // namespace

Result<std::unique_ptr<LiveTarget>> LiveTarget::attach(int pid) {
    PYXRAY_TRY(process, StoppedProcess::stop(pid));
    int tgid = process->pid();
    // Read once: every xbt asks, and a sampler would otherwise parse /proc/PID/maps twice a sample.
    PYXRAY_TRY(modules, modules_of_process(process->address_space_tid()));
    auto shared = std::make_shared<const std::vector<ModuleInfo>>(std::move(modules));
    PYXRAY_TRY(dwfl, report_process(process->address_space_tid(), *shared));
    TargetInfo info{TargetKind::Live, tgid, executable_of(process->address_space_tid()), std::nullopt,
                    command_line_of_process(tgid)};
    return std::unique_ptr<LiveTarget>(new LiveTarget(std::move(process), std::move(shared),
                                                      NativeUnwinder(std::move(dwfl)), std::move(info)));
}

LiveTarget::LiveTarget(std::unique_ptr<StoppedProcess> process,
                       std::shared_ptr<const std::vector<ModuleInfo>> modules, NativeUnwinder unwinder,
                       TargetInfo info)
    : process_(std::move(process)),
      modules_(std::move(modules)),
      unwinder_(std::move(unwinder)),
      memory_(make_cached_memory(make_process_memory(process_->address_space_tid()))),
      info_(std::move(info)) {}

Result<std::vector<ModuleInfo>> LiveTarget::modules() const { return *modules_; }

void LiveTarget::resume() { process_->resume(); }

Result<void> LiveTarget::stop_again() {
    PYXRAY_TRY_VOID(process_->stop_again());
    memory_->invalidate();
    modules_reloaded_this_stop_ = false;
    return {};
}

bool LiveTarget::reload_modules() const {
    modules_reloaded_this_stop_ = true;
    int pid = process_->address_space_tid();
    auto modules = modules_of_process(pid);
    if (!modules || modules->size() == modules_->size()) return false;
    auto shared = std::make_shared<const std::vector<ModuleInfo>>(std::move(*modules));
    auto dwfl = report_process(pid, *shared);
    if (!dwfl) return false;
    unwinder_ = NativeUnwinder(std::move(*dwfl));  // before the modules its old Dwfl points into go
    modules_ = std::move(shared);
    return true;
}

namespace {

// The kernel's name for the thread (at most 15 bytes), empty when it cannot be read.
std::optional<std::string> os_thread_name(int pid, int64_t tid) {
    std::ifstream comm(fmt::format("/proc/{}/task/{}/comm", pid, tid));
    std::string name;
    if (!comm || !std::getline(comm, name) || name.empty()) return std::nullopt;
    return name;
}

}  // namespace

Result<std::vector<ThreadInfo>> LiveTarget::threads() const {
    std::vector<ThreadInfo> threads;
    for (const StoppedThread& thread : process_->threads())
        if (thread.stopped)
            threads.push_back(ThreadInfo{thread.tid, thread.fs_base, thread.stack_pointer,
                                         os_thread_name(process_->pid(), thread.tid)});
    return threads;
}

Result<std::vector<NativeFrame>> LiveTarget::native_frames(int64_t tid) const {
    PYXRAY_TRY(frames, unwinder_.frames(tid));
    bool unknown_code = std::any_of(frames.begin(), frames.end(), [](const NativeFrame& frame) {
        return frame.pc != 0 && frame.module.empty();
    });
    if (!unknown_code || modules_reloaded_this_stop_ || !reload_modules()) return frames;
    return unwinder_.frames(tid);
}

Result<std::vector<MemoryRegion>> LiveTarget::memory_regions() const {
    if (!regions_) {
        PYXRAY_TRY(regions, memory_regions_of_process(process_->address_space_tid()));
        regions_ = std::move(regions);
    }
    return *regions_;
}

}  // namespace pyxray::cli

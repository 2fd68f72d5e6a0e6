#include "core_target.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "debuginfod.hpp"
#include "decompression_notice.hpp"

namespace pyxray::cli {
namespace {

char* no_debuginfo_path = nullptr;  // libdw's default search path

// The file resolve_modules chose for the module (none when missing or of another build);
// modules it does not know go to libdw's default.
int find_module_elf(Dwfl_Module* dwfl_module, void** userdata, const char* name, Dwarf_Addr base,
                    char** file_name, Elf** elf) {
    if (*userdata == nullptr)
        return dwfl_build_id_find_elf(dwfl_module, userdata, name, base, file_name, elf);
    return open_resolved_file(*userdata, file_name);
}

const Dwfl_Callbacks core_callbacks = {
    .find_elf = find_module_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &no_debuginfo_path,
};

Result<void> check_executable(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("executable {} is not a readable file; check --exe", path));
    return {};
}

// libdwfl gives no reason when a core is cut short; say it ourselves.
// Its notes count too: gcore writes them last, so a cut there leaves every segment whole.
std::string why_libdwfl_failed(const CoreFile& core) {
    if (core.file_size() < core.needed_size())
        return fmt::format(
            "the core is truncated: {} bytes, its segments and notes need {}; write it again "
            "(ulimit -c unlimited, or gdb's gcore)",
            core.file_size(), core.needed_size());
    return dwfl_error_text();
}

Result<DwflPtr> report_core(const CoreFile& core, Elf* core_elf, const std::string& executable,
                            const std::vector<ModuleInfo>& resolved) {
    const std::string& core_path = core.path();
    PYXRAY_TRY(dwfl, begin_dwfl(core_callbacks));
    const char* exe = executable.empty() ? nullptr : executable.c_str();
    if (dwfl_core_file_report(dwfl.get(), core_elf, exe) < 0)
        return fail(ErrorCode::Io, fmt::format("libdwfl cannot read the modules of core {}: {}", core_path,
                                               why_libdwfl_failed(core)));
    if (dwfl_report_end(dwfl.get(), nullptr, nullptr) != 0)
        return fail(ErrorCode::Io,
                    fmt::format("libdwfl rejected the modules of core {}: {}", core_path, dwfl_error_text()));
    point_modules_at_resolved(dwfl.get(), resolved);
    if (dwfl_core_file_attach(dwfl.get(), core_elf) < 0)
        return fail(ErrorCode::Io, fmt::format("libdwfl cannot read the threads of core {}: {}", core_path,
                                               why_libdwfl_failed(core)));
    return dwfl;
}

// With --exe, the executable's symbols are read from the file the user named, not from the
// path the core recorded (which may not exist on this machine).
// An --exe of another build is not read: the module keeps the name the core recorded.
std::vector<ModuleInfo> modules_naming_executable(const CoreFile& core, std::vector<ModuleInfo> modules,
                                                  const TargetInfo& info) {
    const std::string& recorded = core.executable();
    const std::string& executable = info.executable;
    if (!recorded.empty() && recorded != executable && !info.ignored_executable)
        for (ModuleInfo& module : modules)
            if (module.path == recorded) module.path = executable;
    return modules;
}

std::optional<uint64_t> unless_zero(uint64_t value) {
    return value != 0 ? std::optional(value) : std::nullopt;
}

// The file libdwfl reads the executable from: the one resolved for it, none when it is missing
// or of another build, the given one when the core maps no executable at offset 0.
std::string executable_file(const std::vector<ModuleInfo>& resolved, const std::string& recorded,
                            const std::string& exe) {
    for (const ModuleInfo& module : resolved)
        if (module.path == recorded) return module.file;
    return exe;
}

Result<void> check_directories(const CoreSearch& search) {
    std::vector<std::string> directories = search.lib_paths;
    if (!search.sysroot.empty()) directories.push_back(search.sysroot);
    for (const std::string& directory : directories) {
        std::error_code error;
        if (!std::filesystem::is_directory(directory, error))
            return fail(ErrorCode::InvalidArgument,
                        fmt::format("{} is not a directory; check --sysroot and --lib-path", directory));
    }
    return {};
}

}  // namespace

FileDescriptor::~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<CoreTarget>> CoreTarget::open(const std::string& core_path,
                                                     const std::optional<std::string>& executable,
                                                     const CoreSearch& search) {
    // CoreFile validates the file (exists, ELF, a core, not truncated) with a precise message.
    PYXRAY_TRY(core, CoreFile::open(core_path, decompression_notice(core_path)));
    if (executable) PYXRAY_TRY_VOID(check_executable(*executable));
    PYXRAY_TRY_VOID(check_directories(search));
    ModuleSearch module_search{search.sysroot, search.lib_paths, executable.value_or(""), core->executable()};
    if (debuginfod_enabled()) module_search.fetch_by_build_id = fetch_executable;
    auto resolved = std::make_shared<const std::vector<ModuleInfo>>(resolve_modules(*core, module_search));
    // Without --exe: the path the core recorded. With it: the file read, which is not the one
    // named when that is another build.
    ExecutableChoice choice{core->executable(), std::nullopt};
    if (executable) choice = choose_executable(*resolved, module_search);
    const std::string& exe = choice.used;
    // The core's ELF bytes: the file itself or its decompressed copy (unnamed, so not reopened by path).
    FileDescriptor fd(::fcntl(core->file_descriptor(), F_DUPFD_CLOEXEC, 0));
    if (fd.get() < 0)
        return fail(ErrorCode::Io, fmt::format("cannot open core {}: {}", core_path, std::strerror(errno)));
    elf_version(EV_CURRENT);
    ElfPtr elf(elf_begin(fd.get(), ELF_C_READ_MMAP, nullptr));
    if (!elf)
        return fail(ErrorCode::Io, fmt::format("libelf cannot read core {}: {}", core_path, elf_errmsg(-1)));
    PYXRAY_TRY(dwfl,
               report_core(*core, elf.get(), executable_file(*resolved, core->executable(), exe), *resolved));
    TargetInfo info{TargetKind::Core,     core->pid(),        exe,           core->signal(),
                    core->command_line(), core->truncation(), choice.ignored};
    NativeUnwinder unwinder(std::move(dwfl));
    unwinder.use_module_names(modules_naming_executable(*core, *resolved, info));
    return std::unique_ptr<CoreTarget>(new CoreTarget(std::move(core), std::move(resolved), std::move(fd),
                                                      std::move(elf), std::move(unwinder), std::move(info)));
}

CoreTarget::CoreTarget(std::shared_ptr<const CoreFile> core,
                       std::shared_ptr<const std::vector<ModuleInfo>> resolved, FileDescriptor fd, ElfPtr elf,
                       NativeUnwinder unwinder, TargetInfo info)
    : core_(std::move(core)),
      resolved_(std::move(resolved)),
      fd_(std::move(fd)),
      elf_(std::move(elf)),
      unwinder_(std::move(unwinder)),
      memory_(make_cached_memory(core_->memory(*resolved_))),
      info_(std::move(info)) {}

Result<std::vector<ModuleInfo>> CoreTarget::modules() const {
    return modules_naming_executable(*core_, *resolved_, info_);
}

// The core's own thread notes, which also carry each thread's fs_base (its pthread_self()).
Result<std::vector<ThreadInfo>> CoreTarget::threads() const {
    std::vector<ThreadInfo> threads;
    for (const CoreThread& thread : core_->threads())
        threads.push_back(ThreadInfo{thread.tid, unless_zero(thread.fs_base), unless_zero(thread.sp)});
    if (!threads.empty()) return threads;
    PYXRAY_TRY(tids, unwinder_.thread_ids());
    for (int64_t tid : tids) threads.push_back(ThreadInfo{tid, std::nullopt, std::nullopt});
    return threads;
}

Result<std::vector<NativeFrame>> CoreTarget::native_frames(int64_t tid) const {
    return unwinder_.frames(tid);
}

Result<std::vector<MemoryRegion>> CoreTarget::memory_regions() const {
    return memory_regions_of_core(*core_);
}

}  // namespace pyxray::cli

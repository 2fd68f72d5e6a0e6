#include "sb_target.hpp"

#include <fmt/format.h>
#include <lldb/API/SBAddress.h>
#include <lldb/API/SBError.h>
#include <lldb/API/SBFileSpec.h>
#include <lldb/API/SBFrame.h>
#include <lldb/API/SBMemoryRegionInfo.h>
#include <lldb/API/SBMemoryRegionInfoList.h>
#include <lldb/API/SBModule.h>
#include <lldb/API/SBPlatform.h>
#include <lldb/API/SBSection.h>
#include <lldb/API/SBSymbol.h>
#include <lldb/API/SBThread.h>
#include <lldb/API/SBValue.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>

#include "process_kind.hpp"
#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"
#include "sb_module_symbols.hpp"
#include "symbol_backend.hpp"

namespace pyxray::lldb_plugin {
namespace {

// LLDB adds a synthetic frame per inlined call; allow plenty of them before giving up.
constexpr uint32_t kMaxFrameIndex = kMaxNativeFrames * 8;
// A page spans a handful of sections at most; more pieces than this means something is wrong.
constexpr int kMaxSectionPieces = 64;
// No real process has more mappings (the kernel's default vm.max_map_count is 65530).
constexpr uint32_t kMaxRegions = 1 << 20;

// LLDB names a function it knows only from unwind info `___lldb_unnamed_symbolN`: no name, as
// the other front-ends say (`?? (module+0x...)`).
std::string unless_made_up(const char* name) {
    if (name == nullptr || std::string_view(name).starts_with("___lldb_unnamed_symbol")) return "";
    return name;
}

// The symbol's own (mangled) name: the core demangles it, the same way for every front-end.
std::string function_of(lldb::SBFrame& frame) {
    lldb::SBSymbol symbol = frame.GetSymbol();
    if (symbol.IsValid() && symbol.GetMangledName() != nullptr)
        return unless_made_up(symbol.GetMangledName());
    if (symbol.IsValid() && symbol.GetName() != nullptr) return unless_made_up(symbol.GetName());
    return unless_made_up(frame.GetFunctionName());
}

// On x86-64 Linux pthread_self() is the thread's fs_base, which pre-3.11 thread states record.
// LLDB 16 on Linux lists no fs_base register (live or core), so there this stays empty and
// threads are matched by native_thread_id; an LLDB that shows the register gets it used.
std::optional<uint64_t> pthread_self_of(lldb::SBThread& thread) {
    lldb::SBFrame innermost = thread.GetFrameAtIndex(0);
    if (!innermost.IsValid()) return std::nullopt;
    lldb::SBValue fs_base = innermost.FindRegister("fs_base");
    if (!fs_base.IsValid()) return std::nullopt;
    lldb::SBError error;
    uint64_t value = fs_base.GetValueAsUnsigned(error, 0);
    if (error.Fail() || value == 0) return std::nullopt;
    return value;
}

// LLDB's name for the thread: the OS's (comm) on a live Linux process; usually none in a core.
std::optional<std::string> name_of(lldb::SBThread& thread) {
    const char* name = thread.GetName();
    if (name == nullptr || *name == '\0') return std::nullopt;
    return std::string(name);
}

std::optional<uint64_t> stack_pointer_of(lldb::SBThread& thread) {
    lldb::SBFrame innermost = thread.GetFrameAtIndex(0);
    if (!innermost.IsValid()) return std::nullopt;
    uint64_t sp = innermost.GetSP();
    if (sp == 0 || sp == LLDB_INVALID_ADDRESS) return std::nullopt;
    return sp;
}

// A core leaves out pages that the mapped files still hold (gcore skips read-only file mappings
// such as .text and .rodata, where tp_name strings and Py_Version live). SBTarget::ReadMemory
// finds those in the modules' sections, one section per call, so fill the span piece by piece.
// Writable sections are not taken from disk: missing from a core they mean a truncated core,
// and the file's initial bytes would pass for the process's state.
bool read_from_sections(lldb::SBTarget& target, uint64_t address, std::span<std::byte> out) {
    size_t done = 0;
    for (int piece = 0; piece < kMaxSectionPieces && done < out.size(); ++piece) {
        lldb::SBAddress where = target.ResolveLoadAddress(address + done);
        lldb::SBSection section = where.GetSection();
        if (!section.IsValid() || (section.GetPermissions() & lldb::ePermissionsWritable) != 0) return false;
        lldb::SBError error;
        size_t got = target.ReadMemory(where, out.data() + done, out.size() - done, error);
        if (error.Fail() || got == 0) return false;
        done += std::min(got, out.size() - done);
    }
    return done == out.size();
}

// A read is good only when LLDB says so and every byte came back. LLDB may answer a live read
// in pieces (seen once under load on a 100,000-frame stack), so ask again for the rest.
bool read_through_lldb(lldb::SBTarget& target, lldb::SBProcess& process, bool core, uint64_t address,
                       std::span<std::byte> out) {
    size_t done = 0;
    for (int attempt = 0; attempt < kMaxSectionPieces && done < out.size(); ++attempt) {
        lldb::SBError error;
        size_t got = process.ReadMemory(address + done, out.data() + done, out.size() - done, error);
        if (error.Fail() || got == 0) break;
        done += std::min(got, out.size() - done);
    }
    if (done == out.size()) return true;
    if (!core) return false;
    return read_from_sections(target, address + done, out.subspan(done));
}

bool is_core_plugin(const char* name) { return name != nullptr && is_core_process_plugin(name); }

// The signal a core records: LLDB gives each of its threads a signal stop reason with the
// number it took (its pr_cursig), 0 for the threads that took none. The first thread with one
// is the core's first, the one the kernel (or gdb) names as having taken it. LLDB 16 reads
// neither si_code nor the faulting address from NT_SIGINFO, so those stay unknown.
std::optional<TargetSignal> core_signal_of(lldb::SBProcess& process) {
    uint32_t count = process.GetNumThreads();
    for (uint32_t index = 0; index < count; ++index) {
        lldb::SBThread thread = process.GetThreadAtIndex(index);
        if (!thread.IsValid() || thread.GetStopReason() != lldb::eStopReasonSignal) continue;
        if (thread.GetStopReasonDataCount() < 1) continue;
        auto signo = static_cast<int>(thread.GetStopReasonDataAtIndex(0));
        if (signo != 0)
            return TargetSignal{signo, std::nullopt, std::nullopt,
                                static_cast<int64_t>(thread.GetThreadID())};
    }
    return std::nullopt;
}

bool loaded_at(lldb::SBTarget& target, uint64_t base) {
    for (uint32_t index = 0; index < target.GetNumModules(); ++index) {
        lldb::SBModule module = target.GetModuleAtIndex(index);
        if (module.IsValid() && module.GetObjectFileHeaderAddress().GetLoadAddress(target) == base)
            return true;
    }
    return false;
}

// LLDB on the host finds none of the files a process in a container names (not even its
// executable), so it can neither unwind nor name its frames: hand it each file the core chose,
// through the process's root and with the module's build-id, at the module's load address.
void add_to_lldb(lldb::SBTarget& target, const ModuleInfo& module) {
    if (module.file.empty() || loaded_at(target, module.base)) return;
    lldb::SBModule added = target.AddModule(module.file.c_str(), nullptr, nullptr);
    if (!added.IsValid()) return;
    // The slide moves the file's offset 0 from its link-time address to the module's base.
    uint64_t linked_at = added.GetObjectFileHeaderAddress().GetFileAddress();
    target.SetModuleLoadAddress(added, static_cast<int64_t>(module.base - linked_at));
}

}  // namespace

std::string path_of(const lldb::SBFileSpec& spec) {
    if (!spec.IsValid()) return {};
    std::string path(256, '\0');
    // GetPath returns the length the full path needs, which may exceed the buffer.
    for (int attempt = 0; attempt < 2; ++attempt) {
        uint32_t length = spec.GetPath(path.data(), path.size());
        if (length < path.size()) {
            path.resize(length);
            return path;
        }
        path.assign(length + 1, '\0');
    }
    return {};
}

// modules_of_process resolves the modules of a process in a container; LLDB's own list is kept
// for every other target.
void SbTarget::adopt_container_modules() {
    auto modules = modules_of_process(static_cast<int>(process_.GetProcessID()));
    if (!modules || std::none_of(modules->begin(), modules->end(), [](const ModuleInfo& module) {
            return module.status != ModuleFileStatus::Unchecked;
        }))
        return;
    for (const ModuleInfo& module : *modules) {
        add_to_lldb(target_, module);
        if (!module.file.empty()) path_by_file_[module.file] = module.path;
    }
    container_modules_ = std::move(*modules);
}

SbTarget::SbTarget(const lldb::SBTarget& target, const lldb::SBProcess& process)
    : target_(target), process_(process), symbols_from_lldb_(backend_for(target_) == SymbolBackend::SbApi) {
    bool core = is_core_plugin(process_.GetPluginName());
    memory_ = make_cached_memory(make_callback_memory(
        [target = target_, process = process_, core](uint64_t address, std::span<std::byte> out) mutable {
            return read_through_lldb(target, process, core, address, out);
        }));
    if (!core && !symbols_from_lldb_) adopt_container_modules();
}

TargetInfo SbTarget::info() const {
    TargetInfo info;
    info.kind = is_core_plugin(process_.GetPluginName()) ? TargetKind::Core : TargetKind::Live;
    info.pid = static_cast<int>(process_.GetProcessID());
    info.executable = path_of(target_.GetExecutable());
    if (info.kind == TargetKind::Core) info.signal = core_signal_of(process_);
    // A process on this machine: LLDB's host platform, whose /proc is ours.
    lldb::SBPlatform platform = target_.GetPlatform();
    if (info.kind == TargetKind::Live && platform.IsValid() &&
        std::string_view(platform.GetName() ? platform.GetName() : "") == "host")
        info.command_line = command_line_of_process(info.pid);
    return info;
}

void SbTarget::prepare_for_sampling() {
    // The sbapi backend stands for a target without /proc (macOS): its memory stays LLDB's.
    if (!symbols_from_lldb_)
        memory_ = make_cached_memory(make_process_memory(static_cast<int>(process_.GetProcessID())));
    keep_address_space_ = true;
}

Result<std::vector<ModuleInfo>> SbTarget::modules() const {
    if (container_modules_) return *container_modules_;
    if (modules_) return *modules_;
    std::vector<ModuleInfo> modules;
    uint32_t count = target_.GetNumModules();
    modules.reserve(count);
    for (uint32_t index = 0; index < count; ++index) {
        lldb::SBModule module = target_.GetModuleAtIndex(index);
        if (!module.IsValid()) continue;
        // The ELF header sits at file offset 0, so its load address is the module's base.
        uint64_t base = module.GetObjectFileHeaderAddress().GetLoadAddress(target_);
        if (base == LLDB_INVALID_ADDRESS) continue;  // known to LLDB but not loaded
        modules.push_back(ModuleInfo{path_of(module.GetFileSpec()), base});
    }
    if (keep_address_space_) modules_ = modules;
    return modules;
}

Result<std::vector<ThreadInfo>> SbTarget::threads() const {
    std::vector<ThreadInfo> threads;
    uint32_t count = process_.GetNumThreads();
    threads.reserve(count);
    for (uint32_t index = 0; index < count; ++index) {
        lldb::SBThread thread = process_.GetThreadAtIndex(index);
        if (!thread.IsValid()) continue;
        // On Linux, live or core, LLDB's thread id is the kernel's LWP id.
        threads.push_back(ThreadInfo{static_cast<int64_t>(thread.GetThreadID()), pthread_self_of(thread),
                                     stack_pointer_of(thread), name_of(thread)});
    }
    return threads;
}

// The frames of `thread` pyxray reports, innermost first, each with LLDB's index for it.
// Inlined frames are LLDB's reconstruction: one real call per CFA, named by its ELF symbol.
// Keep the last frame of each CFA, not the concrete one: lldb-16 sometimes gives a real call
// only as an inlined frame (pyenv 3.9's eval loop stopped in an inlined PyObject_Vectorcall),
// and skipping it loses that call.
static std::vector<std::pair<uint32_t, lldb::SBFrame>> reported_frames(lldb::SBThread& thread) {
    std::vector<std::pair<uint32_t, lldb::SBFrame>> frames;
    lldb::SBFrame next = thread.GetFrameAtIndex(0);
    for (uint32_t index = 0; index < kMaxFrameIndex && frames.size() < kMaxNativeFrames; ++index) {
        lldb::SBFrame frame = next;
        if (!frame.IsValid()) break;
        next = thread.GetFrameAtIndex(index + 1);
        if (next.IsValid() && next.GetCFA() == frame.GetCFA()) continue;
        if (frame.GetPC() == LLDB_INVALID_ADDRESS) break;
        frames.emplace_back(index, frame);
    }
    return frames;
}

Result<lldb::SBThread> SbTarget::thread_by_id(int64_t tid) const {
    lldb::SBThread thread = process_.GetThreadByID(static_cast<lldb::tid_t>(tid));
    if (!thread.IsValid())
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("LLDB knows no thread {} in process {}; list them with `thread list`", tid,
                                process_.GetProcessID()));
    return thread;
}

Result<std::vector<NativeFrame>> SbTarget::native_frames(int64_t tid) const {
    PYXRAY_TRY(thread, thread_by_id(tid));
    std::vector<NativeFrame> frames;
    for (auto& [index, frame] : reported_frames(thread)) {
        uint64_t pc = frame.GetPC();
        auto [function, module] = names_of(frame, pc, frames.empty());
        frames.push_back(NativeFrame{pc, std::move(function), std::move(module)});
    }
    return frames;
}

std::pair<std::string, std::string> SbTarget::names_of(lldb::SBFrame& frame, uint64_t pc,
                                                       bool innermost) const {
    if (!keep_address_space_) return {function_of(frame), module_path_of(frame)};
    uint32_t modules = target_.GetNumModules();
    if (modules != named_with_modules_) {
        frame_names_.clear();
        named_with_modules_ = modules;
    }
    uint64_t key = pc << 1 | (innermost ? 1 : 0);
    auto found = frame_names_.find(key);
    if (found == frame_names_.end())
        found = frame_names_.emplace(key, std::pair{function_of(frame), module_path_of(frame)}).first;
    return found->second;
}

// A file adopt_container_modules handed LLDB is named by the path the process knows it by.
std::string SbTarget::module_path_of(lldb::SBFrame& frame) const {
    std::string path = path_of(frame.GetModule().GetFileSpec());
    auto found = path_by_file_.find(path);
    return found != path_by_file_.end() ? found->second : path;
}

Result<uint32_t> SbTarget::lldb_frame_index(int64_t tid, size_t native_index) const {
    PYXRAY_TRY(thread, thread_by_id(tid));
    auto frames = reported_frames(thread);
    if (native_index >= frames.size())
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("thread {} has no native frame {}", tid, native_index));
    return frames[native_index].first;
}

Result<std::unique_ptr<ModuleSymbols>> SbTarget::module_symbols(
    const ModuleInfo& module, std::span<const std::string_view> names) const {
    if (symbols_from_lldb_) return sb_module_symbols(target_, module.base);
    return Target::module_symbols(module, names);
}

// LLDB lists a live process's /proc/PID/maps and a core's PT_LOAD segments alike.
Result<std::vector<MemoryRegion>> SbTarget::memory_regions() const {
    if (regions_) return *regions_;
    lldb::SBMemoryRegionInfoList list = process_.GetMemoryRegions();
    std::vector<MemoryRegion> regions;
    uint32_t count = std::min(list.GetSize(), kMaxRegions);
    for (uint32_t index = 0; index < count; ++index) {
        lldb::SBMemoryRegionInfo info;
        if (!list.GetMemoryRegionAtIndex(index, info) || !info.IsMapped() || !info.IsReadable()) continue;
        const char* name = info.GetName();
        regions.push_back(MemoryRegion{info.GetRegionBase(), info.GetRegionEnd(), info.IsWritable(),
                                       name != nullptr ? name : ""});
    }
    if (regions.empty())
        return fail(ErrorCode::Unsupported,
                    fmt::format("LLDB lists no memory regions for process {}", process_.GetProcessID()));
    if (keep_address_space_) regions_ = regions;
    return regions;
}

}  // namespace pyxray::lldb_plugin

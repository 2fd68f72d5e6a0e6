#include "native_unwinder.hpp"

#include <dwarf.h>
#include <fcntl.h>
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "debuginfod.hpp"

namespace pyxray::cli {
namespace {

constexpr unsigned x86_64_sp_register = 7;  // DWARF register number of %rsp

struct RawFrame {
    uint64_t pc = 0;
    bool activation = false;  // the pc is the current instruction, not a return address
};

struct Walk {
    std::vector<RawFrame> frames;
    uint64_t previous_pc = 0;
    uint64_t previous_sp = 0;
    bool have_previous = false;
};

// Stops at the cap, and at a frame that repeats its caller's pc and sp (an unwinder loop).
int collect_frame(Dwfl_Frame* state, void* arg) {
    auto& walk = *static_cast<Walk*>(arg);
    Dwarf_Addr pc = 0;
    bool activation = false;
    if (!dwfl_frame_pc(state, &pc, &activation)) return DWARF_CB_ABORT;
    Dwarf_Word sp = 0;
    bool have_sp = dwfl_frame_reg(state, x86_64_sp_register, &sp) == 0;
    if (have_sp && walk.have_previous && pc == walk.previous_pc && sp == walk.previous_sp)
        return DWARF_CB_ABORT;
    walk.frames.push_back({pc, activation});
    walk.previous_pc = pc;
    walk.previous_sp = have_sp ? sp : 0;
    walk.have_previous = have_sp;
    if (walk.frames.size() >= NativeUnwinder::max_frames) return DWARF_CB_ABORT;
    return DWARF_CB_OK;
}

// glibc's clone and clone3: a new thread begins right after their syscall, in code no FDE covers
// (glibc ends the FDE before the syscall: "in the child the unwind info will be wrong") until
// thread_start's `.cfi_undefined rip`. A thread stopped there, the child not yet run or the
// parent in the syscall, has no CFI, and libdwfl falls back to the frame pointer: %rbp is the
// parent's (its struct pthread), so it makes up a caller from the word after it (a heap address).
bool is_clone_trampoline(const std::string& function) {
    return function == "__clone3" || function == "clone3" || function == "__clone" || function == "clone";
}

int collect_thread(Dwfl_Thread* thread, void* arg) {
    static_cast<std::vector<int64_t>*>(arg)->push_back(dwfl_thread_tid(thread));
    return DWARF_CB_OK;
}

}  // namespace

std::string dwfl_error_text() {
    const char* message = dwfl_errmsg(-1);
    return message != nullptr ? message : "libdwfl gave no reason";
}

Result<DwflPtr> begin_dwfl(const Dwfl_Callbacks& callbacks) {
    Dwfl* dwfl = dwfl_begin(&callbacks);
    if (dwfl == nullptr)
        return fail(ErrorCode::Internal, fmt::format("libdwfl could not start: {}", dwfl_error_text()));
    show_debuginfod_downloads(dwfl);
    return DwflPtr(dwfl);
}

namespace {

const ModuleInfo* resolved_module(const std::vector<ModuleInfo>& modules, const char* name,
                                  Dwarf_Addr start) {
    for (const ModuleInfo& module : modules)
        if (name != nullptr && module.path == name) return &module;
    for (const ModuleInfo& module : modules)
        if (module.base == start) return &module;
    return nullptr;
}

int point_at_resolved(Dwfl_Module*, void** userdata, const char* name, Dwarf_Addr start, void* arg) {
    const ModuleInfo* module =
        resolved_module(*static_cast<const std::vector<ModuleInfo>*>(arg), name, start);
    if (module != nullptr && module->status != ModuleFileStatus::Unchecked)
        *userdata = const_cast<ModuleInfo*>(module);
    return DWARF_CB_OK;
}

}  // namespace

void point_modules_at_resolved(Dwfl* dwfl, const std::vector<ModuleInfo>& resolved) {
    dwfl_getmodules(dwfl, point_at_resolved, const_cast<std::vector<ModuleInfo>*>(&resolved), 0);
}

int open_resolved_file(void* userdata, char** file_name) {
    const auto* module = static_cast<const ModuleInfo*>(userdata);
    *file_name = nullptr;
    if (module->file.empty()) return -1;
    int fd = ::open(module->file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    *file_name = strdup(module->file.c_str());
    return fd;
}

NativeUnwinder::NativeUnwinder(DwflPtr dwfl) : dwfl_(std::move(dwfl)) {}

Result<std::vector<NativeFrame>> NativeUnwinder::frames(int64_t tid) const {
    Walk walk;
    int status = dwfl_getthread_frames(dwfl_.get(), static_cast<pid_t>(tid), collect_frame, &walk);
    if (status == -1 && walk.frames.empty())
        return fail(ErrorCode::Unreadable,
                    fmt::format("cannot unwind thread {}: {}", tid, dwfl_error_text()));
    std::vector<NativeFrame> frames;
    frames.reserve(walk.frames.size());
    for (const RawFrame& raw : walk.frames) {
        // A return address points past the call; look up the call itself.
        uint64_t lookup = raw.activation || raw.pc == 0 ? raw.pc : raw.pc - 1;
        const Symbol& symbol = symbolize(lookup);
        frames.push_back(NativeFrame{raw.pc, symbol.function, symbol.module});
        // The new thread's outermost frame; the parent's callers are not known from there.
        if (is_clone_trampoline(symbol.function) && !has_cfi(lookup)) break;
    }
    return frames;
}

Result<std::vector<int64_t>> NativeUnwinder::thread_ids() const {
    std::vector<int64_t> tids;
    if (dwfl_getthreads(dwfl_.get(), collect_thread, &tids) == -1 && tids.empty())
        return fail(ErrorCode::Io, fmt::format("libdwfl lists no threads: {}", dwfl_error_text()));
    return tids;
}

bool NativeUnwinder::has_cfi(uint64_t address) const {
    Dwfl_Module* module = dwfl_addrmodule(dwfl_.get(), address);
    if (module == nullptr) return false;
    for (auto* cfi_of : {dwfl_module_eh_cfi, dwfl_module_dwarf_cfi}) {
        Dwarf_Addr bias = 0;
        Dwarf_CFI* cfi = cfi_of(module, &bias);
        Dwarf_Frame* frame = nullptr;
        if (cfi != nullptr && dwarf_cfi_addrframe(cfi, address - bias, &frame) == 0) {
            std::free(frame);  // libdw allocated it with malloc
            return true;
        }
    }
    return false;
}

const NativeUnwinder::Symbol& NativeUnwinder::symbolize(uint64_t lookup_address) const {
    auto cached = symbols_.find(lookup_address);
    if (cached != symbols_.end()) return cached->second;
    Symbol symbol;
    if (Dwfl_Module* module = dwfl_addrmodule(dwfl_.get(), lookup_address)) {
        symbol.module = module_path(module);
        GElf_Off offset = 0;
        GElf_Sym elf_symbol;
        // Without a symbol table here, libdwfl's standard find_debuginfo may fetch one by
        // build-id (debuginfod.hpp), with a progress line.
        const char* name =
            dwfl_module_addrinfo(module, lookup_address, &offset, &elf_symbol, nullptr, nullptr, nullptr);
        end_download_line();
        if (name != nullptr) symbol.function = name;
    }
    return symbols_.emplace(lookup_address, std::move(symbol)).first->second;
}

void NativeUnwinder::use_module_names(const std::vector<ModuleInfo>& modules) {
    for (const ModuleInfo& module : modules) names_by_base_.emplace(module.base, module.path);
    module_paths_.clear();
}

// The target's own name for the module when one starts at the same address, else libdwfl's name
// when it is a path, else the file libdwfl found for it.
const std::string& NativeUnwinder::module_path(Dwfl_Module* module) const {
    auto cached = module_paths_.find(module);
    if (cached != module_paths_.end()) return cached->second;
    const char* mainfile = nullptr;
    Dwarf_Addr start = 0;
    const char* name =
        dwfl_module_info(module, nullptr, &start, nullptr, nullptr, nullptr, &mainfile, nullptr);
    auto named = names_by_base_.find(start);
    bool absolute_name = name != nullptr && name[0] == '/';
    std::string path;
    if (named != names_by_base_.end())
        path = named->second;
    else if (mainfile != nullptr && !absolute_name)
        path = mainfile;
    else if (name != nullptr)
        path = name;
    return module_paths_.emplace(module, std::move(path)).first->second;
}

}  // namespace pyxray::cli

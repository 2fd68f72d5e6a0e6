// What a front-end provides: memory, modules, threads and native frames of one stopped target.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pyxray/memory.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

// Whether the file a core recorded for a module can be read here (resolve_modules, core_file.hpp).
enum class ModuleFileStatus : uint8_t {
    Unchecked,  // front-ends that do not check: `path` is read as it is
    Ok,         // `path` itself, with the build-id the core holds (or the core holds none)
    Mapped,     // a copy found by --sysroot or --lib-path (or --exe), with that build-id
    Missing,    // no file at `path` or anywhere looked
    Mismatch,   // only files with another build-id: not trusted, not read
    Fetched,    // none here with that build-id; fetched by it from debuginfod (the CLI's cache)
};

struct ModuleInfo {
    std::string path;   // file on disk as the target named it
    uint64_t base = 0;  // address where the file's offset 0 is mapped
    // Cores: the GNU build-id (hex) the module's ELF header page in the core holds (empty when
    // the core kept no such page), and the file on this machine that stands in for `path`.
    std::string build_id = {};
    ModuleFileStatus status = ModuleFileStatus::Unchecked;
    std::string file = {};                     // empty for Missing and Mismatch
    std::vector<std::string> looked_for = {};  // Missing, Mismatch: the paths tried
    std::string other_build_id = {};           // Mismatch: the build-id of the file found
    std::string fetch_error = {};              // Missing, Mismatch: why debuginfod had none

    // What to read the module's symbols and left-out pages from; empty when nothing is trusted.
    const std::string& file_to_read() const { return status == ModuleFileStatus::Unchecked ? path : file; }
};

// The spellings JSON uses for a status; never renamed.
constexpr const char* module_status_name(ModuleFileStatus status) {
    switch (status) {
        case ModuleFileStatus::Ok:
            return "ok";
        case ModuleFileStatus::Mapped:
            return "mapped";
        case ModuleFileStatus::Missing:
            return "missing";
        case ModuleFileStatus::Mismatch:
            return "mismatch";
        case ModuleFileStatus::Fetched:
            return "fetched";
        case ModuleFileStatus::Unchecked:
            break;
    }
    return "unchecked";
}

struct ThreadInfo {
    int64_t tid = 0;                       // OS thread id (LWP)
    std::optional<uint64_t> pthread_self;  // x86-64 fs_base, when the front-end can read it
    std::optional<uint64_t> stack_pointer =
        std::nullopt;  // innermost frame's, when the front-end can read it
    // The OS's name for the thread (comm: gdb's InferiorThread.name, SBThread::GetName(),
    // /proc/PID/task/TID/comm); cores generally have none.
    std::optional<std::string> name = std::nullopt;
};

// Every front-end stops unwinding one thread here: deep C recursion (sorted() with a
// recursive key, say) runs to thousands of frames, and a cut stack cannot be merged.
constexpr size_t kMaxNativeFrames = 65536;

struct NativeFrame {
    uint64_t pc = 0;       // the frame's pc as the unwinder reports it
    std::string function;  // symbol name, empty when unknown
    std::string module;    // path of the module holding pc, empty when unknown
    // pc - the base of `module`, filled in once by the core (Session) from the target's modules.
    std::optional<uint64_t> module_offset = std::nullopt;
    // The symbol's name in the binary (`_ZN3app6Worker5blockEP7_object`) when `function` is a
    // C++ name the core demangled (`app::Worker::block(_object*)`); the same as `function` for
    // C. Filled in by the core (Session, use_readable_name) unless the front-end knows it.
    std::string linkage_name = {};
};

// One mapping of the target's address space: a /proc/PID/maps line, a core's PT_LOAD segment.
struct MemoryRegion {
    uint64_t start = 0;
    uint64_t end = 0;  // one past the last byte
    bool writable = false;
    std::string path;  // the mapped file; empty when anonymous or unknown
};

// The region of `regions` that holds `address`, or null.
inline const MemoryRegion* region_holding(const std::vector<MemoryRegion>& regions, uint64_t address) {
    for (const MemoryRegion& region : regions)
        if (region.start <= address && address < region.end) return &region;
    return nullptr;
}

// A section of a loaded module, at its run-time address.
struct LoadedSection {
    uint64_t address = 0;
    uint64_t size = 0;
};

// One loaded module's symbols and sections, at run-time addresses. By default read from the
// module's file on disk (ELF); a debugger front-end may answer from its own view of the module
// instead (LLDB's SB API, for targets that are not Linux ELF).
class ModuleSymbols {
public:
    virtual ~ModuleSymbols() = default;
    // The run-time address of a symbol the module defines.
    virtual std::optional<uint64_t> symbol(std::string_view name) const = 0;
    // A section the module loads into memory, by its ELF name (".PyRuntime", ".bss").
    virtual std::optional<LoadedSection> section(std::string_view name) const = 0;
};

enum class TargetKind { Live, Core };

// The signal a core's process took, as the front-end read it (the core's NT_SIGINFO, gdb's
// $_siginfo, LLDB's stop reason). The session decides whether it was the fatal one: a core a
// debugger wrote from a running process records SIGSTOP, a breakpoint's SIGTRAP, or nothing.
struct TargetSignal {
    int signo = 0;
    std::optional<int> code;          // si_code, when the front-end can read it
    std::optional<uint64_t> address;  // si_addr: the faulting address of SIGSEGV/SIGBUS/SIGILL/SIGFPE
    int64_t tid = 0;                  // the thread that took it
};

// A core file shorter than its program headers say (a full disk, a core size limit): how much
// of the memory they promise is not in the file.
struct CoreTruncation {
    uint64_t file_size = 0;
    uint64_t needed_size = 0;        // the end of the last PT_LOAD or PT_NOTE data
    uint64_t promised_bytes = 0;     // the PT_LOAD segments' file bytes
    uint64_t missing_bytes = 0;      // of those, past the end of the file
    size_t segments = 0;             // PT_LOAD segments with file bytes
    size_t incomplete_segments = 0;  // of those, cut short or missing entirely
};

// A file the user named for the target that was not used, and why.
struct IgnoredFile {
    std::string path;
    std::string reason;  // "its build-id X is not the one the core recorded (Y)"
};

struct TargetInfo {
    TargetKind kind = TargetKind::Live;
    int pid = 0;
    std::string executable;
    std::optional<TargetSignal> signal = std::nullopt;        // cores only
    std::string command_line = {};                            // when known (a core's pr_psargs)
    std::optional<CoreTruncation> truncation = std::nullopt;  // cores cut short
    // Cores: the executable the user named (the CLI's --exe) when it is another build than the
    // one the core ran, so the core's own was read instead.
    std::optional<IgnoredFile> ignored_executable = std::nullopt;
};

class Target {
public:
    virtual ~Target() = default;
    virtual const Memory& memory() const = 0;
    virtual TargetInfo info() const = 0;
    virtual Result<std::vector<ModuleInfo>> modules() const = 0;
    virtual Result<std::vector<ThreadInfo>> threads() const = 0;
    // Innermost first.
    virtual Result<std::vector<NativeFrame>> native_frames(int64_t tid) const = 0;
    // The address space's mappings: without symbols, the runtime is found by scanning the
    // writable ones. Front-ends that cannot list them keep this answer.
    virtual Result<std::vector<MemoryRegion>> memory_regions() const {
        return fail(ErrorCode::Unsupported, "this front-end cannot list the target's memory regions");
    }
    // The symbols and sections of one of modules(); `names` are the symbols the caller will ask
    // for (a reader may read only those). The default parses the module's ELF file on disk.
    virtual Result<std::unique_ptr<ModuleSymbols>> module_symbols(
        const ModuleInfo& module, std::span<const std::string_view> names) const;
};

// A target whose modules, threads and frames were collected up front (the gdb bridge, tests).
class StaticTarget final : public Target {
public:
    StaticTarget(std::unique_ptr<Memory> memory, TargetInfo info, std::vector<ModuleInfo> modules,
                 std::vector<ThreadInfo> threads, std::map<int64_t, std::vector<NativeFrame>> frames);
    const Memory& memory() const override { return *memory_; }
    TargetInfo info() const override { return info_; }
    Result<std::vector<ModuleInfo>> modules() const override { return modules_; }
    Result<std::vector<ThreadInfo>> threads() const override { return threads_; }
    Result<std::vector<NativeFrame>> native_frames(int64_t tid) const override;
    // Regions are optional: without them memory_regions() says the front-end cannot list them.
    void set_memory_regions(std::vector<MemoryRegion> regions) { regions_ = std::move(regions); }
    // A debugger's sampler: the threads and stacks of its next stop (cached memory is dropped).
    void next_stop(std::vector<ThreadInfo> threads, std::map<int64_t, std::vector<NativeFrame>> frames) {
        threads_ = std::move(threads);
        frames_ = std::move(frames);
        memory_->invalidate();
    }
    Result<std::vector<MemoryRegion>> memory_regions() const override {
        if (regions_) return *regions_;
        return Target::memory_regions();
    }

private:
    std::unique_ptr<Memory> memory_;
    TargetInfo info_;
    std::vector<ModuleInfo> modules_;
    std::vector<ThreadInfo> threads_;
    std::map<int64_t, std::vector<NativeFrame>> frames_;
    std::optional<std::vector<MemoryRegion>> regions_;
};

}  // namespace pyxray

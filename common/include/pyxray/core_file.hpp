// An ELF core file: its memory (with on-disk fallback for pages it left out), mapped files,
// threads and process facts, from the core's program headers and notes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pyxray/compressed_core.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/result.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

struct MappedFile {  // one NT_FILE entry
    uint64_t start = 0;
    uint64_t end = 0;
    uint64_t file_offset = 0;  // in bytes
    std::string path;
};

struct CoreImage;  // the open core file and its segment tables, shared with memory() objects

struct CoreThread {
    int64_t tid = 0;
    uint64_t fs_base = 0;
    uint64_t pc = 0;
    uint64_t sp = 0;
    int current_signal = 0;  // pr_cursig
};

class CoreFile {
public:
    // Fails with a one-line message for a missing, non-ELF, non-core or truncated file. A zstd,
    // lz4, xz or gzip core (told by its magic) is first decompressed into an unnamed temporary
    // file (open_core_bytes), which `observer` hears about; a truncated or corrupt stream fails.
    static Result<std::shared_ptr<const CoreFile>> open(const std::string& path,
                                                        const DecompressionObserver& observer = {});

    const std::string& path() const { return path_; }  // as given, compressed or not
    Compression compression() const { return compression_; }
    // The open file of the core's ELF bytes (its decompressed copy for a compressed core), for
    // libelf; valid while this CoreFile lives (dup it to keep it longer), -1 when none.
    int file_descriptor() const;
    int pid() const { return pid_; }
    const std::string& executable() const { return executable_; }  // best guess, may be empty
    const std::vector<MappedFile>& mapped_files() const { return files_; }
    const std::vector<CoreThread>& threads() const { return threads_; }
    // NT_PRPSINFO's pr_psargs: the command line, arguments joined by spaces, cut at 80 bytes.
    const std::string& command_line() const { return command_line_; }
    // The signal the core's first thread took (the kernel and gdb write the thread that took
    // it first): its NT_SIGINFO when the core has one, else its pr_cursig. Empty without
    // thread notes.
    const std::optional<TargetSignal>& signal() const { return signal_; }
    // Modules (one per mapped path, base = start of its offset-0 mapping).
    std::vector<ModuleInfo> modules() const;
    // The core's memory; reads of pages the core left out fall back to the mapped files on disk
    // that stand in for them: resolve_modules(*this, {}) (a file of another build is not read).
    std::unique_ptr<Memory> memory() const;
    // The same, with the files `modules` (from resolve_modules) name for their recorded paths.
    std::unique_ptr<Memory> memory(const std::vector<ModuleInfo>& modules) const;
    // Only the bytes the core holds: what it recorded, such as the modules' ELF header pages.
    std::unique_ptr<Memory> recorded_memory() const;

    struct Segment {
        uint64_t vaddr, memsz, filesz, offset;
        bool writable;  // PF_W
    };
    const std::vector<Segment>& segments() const { return segments_; }
    // The file's size, and the size its PT_LOAD and PT_NOTE segments need: a core cut short
    // (gcore writes its notes last) is smaller.
    uint64_t file_size() const { return file_size_; }
    uint64_t needed_size() const { return needed_size_; }
    // What the cut took, when the file is shorter than needed_size().
    std::optional<CoreTruncation> truncation() const;

    CoreFile() = default;

private:
    friend class CoreFileParser;
    std::string path_;
    Compression compression_ = Compression::None;
    int pid_ = 0;
    std::string executable_;
    std::vector<MappedFile> files_;
    std::vector<CoreThread> threads_;
    std::string command_line_;
    std::optional<TargetSignal> signal_;
    std::vector<Segment> segments_;
    uint64_t file_size_ = 0;
    uint64_t needed_size_ = 0;
    std::shared_ptr<const CoreImage> image_;
};

// Where to look for a core's modules on this machine (pyxray's --sysroot, --lib-path, --exe).
struct ModuleSearch {
    std::string sysroot = {};                 // a recorded path /P is looked up as SYSROOT/P first
    std::vector<std::string> lib_paths = {};  // after /P itself: by file name in each of these
    std::string executable = {};              // the file that stands in for the core's executable
    std::string recorded_executable = {};     // the core's executable, which `executable` replaces
    // Last, for a module with a build-id and no file here of that build: the path of a file
    // fetched by its build-id (hex), or why none (the CLI's debuginfod client; unset: none).
    std::function<Result<std::string>(const std::string& build_id)> fetch_by_build_id = {};
};

// The paths tried for a recorded path, in order (pure: no file is opened).
std::vector<std::string> candidate_paths(const std::string& recorded, const ModuleSearch& search);
// The first candidate whose build-id is `build_id` (any existing file when `build_id` is empty):
// status Ok (the recorded path), Mapped (another), Mismatch or Missing, in `module`; then
// Fetched when search.fetch_by_build_id has a file with that build-id.
void resolve_module(ModuleInfo& module, const ModuleSearch& search,
                    const std::function<std::optional<std::string>(const std::string&)>& build_id_of);
// The executable a core is read with when the user named `search.executable` (--exe): that file
// when resolve_module accepted it for the core's executable, else the file it chose instead
// (the recorded path when none), with why the named one was ignored.
struct ExecutableChoice {
    std::string used;
    std::optional<IgnoredFile> ignored;
};
ExecutableChoice choose_executable(
    const std::vector<ModuleInfo>& resolved, const ModuleSearch& search,
    const std::function<std::optional<std::string>(const std::string&)>& build_id_of);
ExecutableChoice choose_executable(const std::vector<ModuleInfo>& resolved, const ModuleSearch& search);
// CoreFile::modules() with the build-id the core holds for each and the file resolved for it.
std::vector<ModuleInfo> resolve_modules(const CoreFile& core, const ModuleSearch& search);

// Mappings of a core from its PT_LOAD segments, each named after the NT_FILE entry that covers
// it, if any (a live process's: memory_regions_of_process in process.hpp).
std::vector<MemoryRegion> memory_regions_of_core(const CoreFile& core);

}  // namespace pyxray

// `pyxray xbt --core`: an ELF core dump, its memory from pyxray's CoreFile and its native stacks
// from libdwfl.
#pragma once

#include <libelf.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "native_unwinder.hpp"
#include "pyxray/core_file.hpp"
#include "pyxray/result.hpp"
#include "pyxray/target.hpp"

namespace pyxray::cli {

struct ElfDeleter {
    void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfDeleter>;

// Closes the descriptor libelf reads the core through.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd = -1) : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&&) = delete;
    ~FileDescriptor();
    int get() const { return fd_; }

private:
    int fd_;
};

// --sysroot and --lib-path: where a core's modules are on this machine.
struct CoreSearch {
    std::string sysroot;
    std::vector<std::string> lib_paths;
};

class CoreTarget final : public Target {
public:
    // `executable` overrides the one named by the core's notes. Modules are resolved once
    // (resolve_modules): symbols, left-out pages and libdwfl read only files with the build-id
    // the core recorded.
    static Result<std::unique_ptr<CoreTarget>> open(const std::string& core_path,
                                                    const std::optional<std::string>& executable,
                                                    const CoreSearch& search = {});

    const Memory& memory() const override { return *memory_; }
    TargetInfo info() const override { return info_; }
    Result<std::vector<ModuleInfo>> modules() const override;
    Result<std::vector<ThreadInfo>> threads() const override;
    Result<std::vector<NativeFrame>> native_frames(int64_t tid) const override;
    Result<std::vector<MemoryRegion>> memory_regions() const override;

private:
    CoreTarget(std::shared_ptr<const CoreFile> core, std::shared_ptr<const std::vector<ModuleInfo>> resolved,
               FileDescriptor fd, ElfPtr elf, NativeUnwinder unwinder, TargetInfo info);

    std::shared_ptr<const CoreFile> core_;
    // By recorded path; libdwfl's find_elf callback points into it, so it outlives the unwinder.
    std::shared_ptr<const std::vector<ModuleInfo>> resolved_;
    // libdwfl reads through elf_, libelf through fd_: destroyed after the unwinder, in this order.
    FileDescriptor fd_;
    ElfPtr elf_;
    NativeUnwinder unwinder_;
    std::unique_ptr<Memory> memory_;
    TargetInfo info_;
};

}  // namespace pyxray::cli

// pyxray's Target over LLDB's SB API: the stopped process as LLDB already knows it.
#pragma once

#include <lldb/API/SBFrame.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>
#include <lldb/API/SBThread.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pyxray/process.hpp"
#include "pyxray/target.hpp"

namespace pyxray::lldb_plugin {

// The file's whole path, however long; empty for an invalid spec.
std::string path_of(const lldb::SBFileSpec& spec);

class SbTarget final : public Target {
public:
    // `process` must belong to `target` and be stopped (or be a core). Its memory is read
    // through a page cache that lives as long as this object: build one SbTarget per command,
    // so nothing cached survives a resume.
    SbTarget(const lldb::SBTarget& target, const lldb::SBProcess& process);

    const Memory& memory() const override { return *memory_; }
    TargetInfo info() const override;
    Result<std::vector<ModuleInfo>> modules() const override;
    Result<std::vector<ThreadInfo>> threads() const override;
    Result<std::vector<NativeFrame>> native_frames(int64_t tid) const override;
    Result<std::vector<MemoryRegion>> memory_regions() const override;
    // From the ELF file on disk, or from LLDB's view of the module (symbol_backend.hpp).
    Result<std::unique_ptr<ModuleSymbols>> module_symbols(
        const ModuleInfo& module, std::span<const std::string_view> names) const override;
    // py-sample on a live process: memory read from /proc/PID/mem (as the gdb bridge does; a
    // packet to lldb-server per page is what a stop costs most; not with the sbapi backend,
    // which stands for targets without /proc), and modules and mappings read once, since
    // asking LLDB for every region is a packet each. Call memory().invalidate()
    // after each resume.
    void prepare_for_sampling();
    // LLDB's frame index of native_frames(tid)[native_index] (LLDB also lists inlined frames).
    Result<uint32_t> lldb_frame_index(int64_t tid, size_t native_index) const;

private:
    Result<lldb::SBThread> thread_by_id(int64_t tid) const;
    void adopt_container_modules();
    std::string module_path_of(lldb::SBFrame& frame) const;
    // (function, module) of a frame; see frame_names_.
    std::pair<std::string, std::string> names_of(lldb::SBFrame& frame, uint64_t pc, bool innermost) const;
    // SB handles are cheap references whose query methods are not const.
    mutable lldb::SBTarget target_;
    mutable lldb::SBProcess process_;
    std::unique_ptr<Memory> memory_;
    bool symbols_from_lldb_;
    bool keep_address_space_ = false;
    mutable std::optional<std::vector<ModuleInfo>> modules_;
    mutable std::optional<std::vector<MemoryRegion>> regions_;
    // A live process in a container: its modules as resolve_live_modules found them, and the
    // paths it knows the files handed to LLDB by.
    std::optional<std::vector<ModuleInfo>> container_modules_;
    std::unordered_map<std::string, std::string> path_by_file_;
    // py-sample: each pc's function and module as LLDB named them at the first stop there (a
    // symbol and a module lookup per frame per stop were most of a merged sample), keyed by
    // pc * 2 + innermost (LLDB names a caller by pc - 1); forgotten when LLDB's count of
    // modules changes.
    mutable std::unordered_map<uint64_t, std::pair<std::string, std::string>> frame_names_;
    mutable uint32_t named_with_modules_ = 0;
};

}  // namespace pyxray::lldb_plugin

#include "bridge_target.hpp"

#include <memory>
#include <utility>

#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"
#include "pyxray/render.hpp"

namespace pyxray::gdb {

namespace {

std::unique_ptr<Memory> memory_for(const BridgeTarget& target) {
    if (target.read_memory) return make_cached_memory(make_callback_memory(*target.read_memory));
    return make_cached_memory(make_process_memory(target.info.pid));
}

Result<std::vector<ModuleInfo>> modules_for(const BridgeTarget& target) {
    if (target.modules) return *target.modules;
    return modules_of_process(target.info.pid);
}

std::optional<std::vector<MemoryRegion>> regions_for(const BridgeTarget& target) {
    if (target.regions) return target.regions;
    if (target.read_memory) return std::nullopt;
    auto regions = memory_regions_of_process(target.info.pid);
    return regions ? std::optional(std::move(*regions)) : std::nullopt;
}

}  // namespace

Result<std::unique_ptr<StaticTarget>> static_target(const BridgeTarget& bridge) {
    PYXRAY_TRY(modules, modules_for(bridge));
    auto target = std::make_unique<StaticTarget>(memory_for(bridge), bridge.info, std::move(modules),
                                                 bridge.threads, bridge.frames);
    if (auto regions = regions_for(bridge)) target->set_memory_regions(std::move(*regions));
    return target;
}

Result<std::string> run_xbt(const BridgeTarget& target, const XbtCommand& command, int64_t selected_tid) {
    return with_session(target, [&](const Session& session) -> Result<std::string> {
        XbtOptions options = xbt_options(command);
        if (!command.all_threads) options.only_tid = selected_tid;
        PYXRAY_TRY(snapshot, session.xbt(options));
        return render_xbt_command(snapshot, command);
    });
}

Result<std::string> run_threads(const BridgeTarget& target, const ThreadsCommand& command) {
    return with_session(target, [&](const Session& session) -> Result<std::string> {
        PYXRAY_TRY(snapshot, session.xbt(XbtOptions{}));
        return render_threads_command(snapshot, command);
    });
}

Result<FrameCommandOutput> run_frame_command(const BridgeTarget& target, int64_t tid, size_t selected,
                                             const FrameCommand& command) {
    return with_session(target, [&](const Session& session) {
        return pyxray::run_frame_command(session, tid, selected, command);
    });
}

Result<RefcntReport> run_refcnt(const BridgeTarget& target, uint64_t address) {
    return with_session(target, [&](const Session& session) { return session.refcnt(address); });
}

Result<std::optional<SourceSite>> run_python_site(const BridgeTarget& target, int64_t tid) {
    return with_session(target, [&](const Session& session) -> Result<std::optional<SourceSite>> {
        return innermost_python_site(session, tid);
    });
}

Result<uint64_t> run_python_name(const BridgeTarget& target, int64_t tid, size_t selected,
                                 const std::string& name) {
    return with_session(
        target, [&](const Session& session) { return python_name_address(session, tid, selected, name); });
}

Result<void> run_refcount_fields(const BridgeTarget& target,
                                 std::vector<std::pair<uint64_t, uint64_t>>& fields) {
    return with_session(target, [&](const Session& session) -> Result<void> {
        fields = session.refcount_fields();
        return {};
    });
}

Result<std::vector<ModuleInfo>> core_modules(const std::string& core_path, const std::string& sysroot) {
    PYXRAY_TRY(core, CoreFile::open(core_path));
    if (sysroot.empty()) return core->modules();
    std::vector<ModuleInfo> modules = resolve_modules(*core, ModuleSearch{.sysroot = sysroot});
    for (ModuleInfo& module : modules)
        if (module.status == ModuleFileStatus::Mapped) module.path = module.file;
    return modules;
}

Result<std::vector<MemoryRegion>> core_regions(const std::string& core_path) {
    PYXRAY_TRY(core, CoreFile::open(core_path));
    return memory_regions_of_core(*core);
}

}  // namespace pyxray::gdb

#include "xbt_request.hpp"

#include <memory>
#include <utility>

#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"
#include "pyxray/render.hpp"

namespace pyxray::gdb {

namespace {

std::unique_ptr<Memory> memory_for(const XbtRequest& request) {
    if (request.read_memory) return make_cached_memory(make_callback_memory(*request.read_memory));
    return make_cached_memory(make_process_memory(request.info.pid));
}

Result<std::vector<ModuleInfo>> modules_for(const XbtRequest& request) {
    if (request.modules) return *request.modules;
    return modules_of_process(request.info.pid);
}

std::optional<std::vector<MemoryRegion>> regions_for(const XbtRequest& request) {
    if (request.regions) return request.regions;
    if (request.read_memory) return std::nullopt;
    auto regions = memory_regions_of_process(request.info.pid);
    return regions ? std::optional(std::move(*regions)) : std::nullopt;
}

Result<std::unique_ptr<StaticTarget>> target_for(XbtRequest& request) {
    PYXRAY_TRY(modules, modules_for(request));
    auto target = std::make_unique<StaticTarget>(memory_for(request), request.info, std::move(modules),
                                                 std::move(request.threads), std::move(request.frames));
    if (auto regions = regions_for(request)) target->set_memory_regions(std::move(*regions));
    return target;
}

// Builds the target the request describes, opens a session on it and hands it to `use`.
template <class Use>
auto with_session(XbtRequest& request, Use use) -> decltype(use(std::declval<const Session&>())) {
    PYXRAY_TRY(target, target_for(request));
    PYXRAY_TRY(session, Session::open(*target));
    return use(session);
}

}  // namespace

Result<std::string> run_xbt(XbtRequest request) {
    return with_session(request, [&](const Session& session) -> Result<std::string> {
        PYXRAY_TRY(snapshot, session.xbt(request.options));
        if (request.json) return render_xbt_json(snapshot);
        if (request.threads_view)
            return render_threads_text(snapshot,
                                       ThreadsRenderOptions{request.stacks, {.color = request.color}});
        return render_xbt_text(snapshot, RenderOptions{.color = request.color});
    });
}

Result<FrameCommandOutput> run_frame_command(XbtRequest request, int64_t tid, size_t selected,
                                             const FrameCommand& command) {
    return with_session(request, [&](const Session& session) {
        return pyxray::run_frame_command(session, tid, selected, command);
    });
}

Result<std::unique_ptr<SampleSession>> SampleSession::open(XbtRequest first) {
    PYXRAY_TRY(target, target_for(first));
    PYXRAY_TRY(session, Session::open(*target));
    return std::unique_ptr<SampleSession>(new SampleSession(std::move(target), std::move(session)));
}

SampleSession::SampleSession(std::unique_ptr<StaticTarget> target, Session session)
    : target_(std::move(target)), session_(std::move(session)) {}

Result<Snapshot> SampleSession::take(XbtOptions options) {
    options.reuse_thread_names = true;
    options.waits = false;
    options.task_marks = false;
    return session_.xbt(options);
}

Result<Snapshot> SampleSession::take(std::vector<ThreadInfo> threads,
                                     std::map<int64_t, std::vector<NativeFrame>> frames,
                                     const XbtOptions& options) {
    target_->next_stop(std::move(threads), std::move(frames));
    return take(options);
}

Result<std::string> run_tasks(XbtRequest request, const TasksCommand& command) {
    return with_session(request, [&](const Session& session) { return run_tasks_command(session, command); });
}

Result<RefcntReport> run_refcnt(XbtRequest request, uint64_t address) {
    return with_session(request, [&](const Session& session) { return session.refcnt(address); });
}

Result<std::optional<SourceSite>> run_python_site(XbtRequest request, int64_t tid) {
    return with_session(request, [&](const Session& session) -> Result<std::optional<SourceSite>> {
        return innermost_python_site(session, tid);
    });
}

Result<uint64_t> run_python_name(XbtRequest request, int64_t tid, size_t selected, const std::string& name) {
    return with_session(
        request, [&](const Session& session) { return python_name_address(session, tid, selected, name); });
}

Result<void> run_refcount_fields(XbtRequest request, std::vector<std::pair<uint64_t, uint64_t>>& fields) {
    return with_session(request, [&](const Session& session) -> Result<void> {
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

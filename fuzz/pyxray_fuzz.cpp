// libFuzzer entry point: the decoders (Session::open, xbt with locals, every renderer, frame
// variables, name lookup, repr) over a StaticTarget whose memory is a mutated image of a real
// core (seed_format.hpp; seeds from seed_from_core). Any crash, leak, sanitizer report or
// timeout is a bug in the core: decoders must answer with a Result whatever the bytes are.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "pyxray/render.hpp"
#include "pyxray/session.hpp"
#include "seed_format.hpp"

namespace {

using namespace pyxray;

// Mutation can turn a module's path into any file name: open only regular files, never a
// FIFO or a device that would block or stream forever.
std::vector<ModuleInfo> openable_modules(const std::vector<ModuleInfo>& modules) {
    std::vector<ModuleInfo> kept;
    for (const auto& module : modules) {
        std::error_code error;
        if (std::filesystem::is_regular_file(module.path, error)) kept.push_back(module);
    }
    return kept;
}

std::unique_ptr<StaticTarget> target_of(fuzz::Image& image) {
    auto memory = std::make_unique<BufferMemory>();
    std::vector<MemoryRegion> regions;
    for (auto& region : image.regions) {
        if (region.bytes.empty()) continue;
        uint64_t size = region.bytes.size();
        if (region.address > UINT64_MAX - size) continue;
        regions.push_back({region.address, region.address + size, region.writable, ""});
        memory->add(region.address, std::move(region.bytes));
    }
    auto target =
        std::make_unique<StaticTarget>(std::move(memory), TargetInfo{TargetKind::Core, 4242, ""},
                                       openable_modules(image.modules), image.threads, image.frames);
    target->set_memory_regions(std::move(regions));
    return target;
}

void exercise_frame(const Session& session, const PyFrame& frame, const ReprLimits& limits) {
    (void)session.frame_locals(frame, limits);
    (void)session.lookup_name(frame, "self", limits);
    (void)session.lookup_name(frame, "len", limits);
    (void)session.repr(frame.code_address, limits);
    (void)session.repr(frame.frame_address, limits);
}

void exercise(const Session& session) {
    ReprLimits limits;
    limits.verbose = true;
    XbtOptions options;
    options.locals = limits;
    auto snapshot = session.xbt(options);
    if (!snapshot) return;
    (void)render_xbt_text(*snapshot, RenderOptions{true});
    (void)render_xbt_json(*snapshot);
    (void)render_threads_text(*snapshot, ThreadsRenderOptions{true, {}});
    if (auto tasks = session.tasks()) {
        (void)render_tasks_text(*tasks, true);
        (void)render_tasks_tree(*tasks, true);
        (void)render_tasks_json(*tasks);
    }
    size_t frames = 0;
    for (const auto& thread : snapshot->threads)
        for (const auto& frame : thread.frames)
            if (frame.kind == StackFrame::Kind::Python && ++frames <= 16)
                exercise_frame(session, frame.python, limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto image = fuzz::parse({data, size});
    auto target = target_of(image);
    auto session = Session::open(*target);
    if (session) exercise(*session);
    return 0;
}

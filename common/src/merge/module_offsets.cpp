#include "merge/module_offsets.hpp"

#include <algorithm>

namespace pyxray {
namespace {

const ModuleInfo* module_named(const std::vector<ModuleInfo>& modules, const std::string& path) {
    if (path.empty()) return nullptr;
    for (const ModuleInfo& module : modules)
        if (module.path == path || (!module.file.empty() && module.file == path)) return &module;
    return nullptr;
}

}  // namespace

void add_module_offsets(std::vector<NativeFrame>& frames, const std::vector<ModuleInfo>& modules,
                        const std::vector<MemoryRegion>& regions) {
    for (NativeFrame& frame : frames) {
        const ModuleInfo* module = module_named(modules, frame.module);
        if (module == nullptr) {
            const MemoryRegion* region = region_holding(regions, frame.pc);
            if (region != nullptr) module = module_named(modules, region->path);
        }
        if (module == nullptr || frame.pc < module->base) continue;
        if (frame.module.empty()) frame.module = module->path;
        frame.module_offset = frame.pc - module->base;
    }
}

}  // namespace pyxray

#include "pyxray/target.hpp"

#include <fmt/format.h>

#include "symbols/file_module_symbols.hpp"

namespace pyxray {

StaticTarget::StaticTarget(std::unique_ptr<Memory> memory, TargetInfo info, std::vector<ModuleInfo> modules,
                           std::vector<ThreadInfo> threads,
                           std::map<int64_t, std::vector<NativeFrame>> frames)
    : memory_(std::move(memory)),
      info_(std::move(info)),
      modules_(std::move(modules)),
      threads_(std::move(threads)),
      frames_(std::move(frames)) {}

Result<std::unique_ptr<ModuleSymbols>> Target::module_symbols(const ModuleInfo& module,
                                                              std::span<const std::string_view> names) const {
    return module_symbols_from_file(module, names);
}

Result<std::vector<NativeFrame>> StaticTarget::native_frames(int64_t tid) const {
    auto found = frames_.find(tid);
    if (found == frames_.end())
        return fail(ErrorCode::InvalidArgument, fmt::format("no native frames collected for thread {}", tid));
    return found->second;
}

}  // namespace pyxray

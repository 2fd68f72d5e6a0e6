#include "symbols/file_module_symbols.hpp"

#include <fmt/format.h>

namespace pyxray {
namespace {

class FileModuleSymbols final : public ModuleSymbols {
public:
    FileModuleSymbols(ElfSymbols symbols, uint64_t base) : symbols_(std::move(symbols)), base_(base) {}

    std::optional<uint64_t> symbol(std::string_view name) const override {
        auto link_address = symbols_.find(name);
        if (!link_address) return std::nullopt;
        return symbols_.runtime_address(*link_address, base_);
    }

    std::optional<LoadedSection> section(std::string_view name) const override {
        auto found = symbols_.section(name);
        if (!found) return std::nullopt;
        return LoadedSection{symbols_.runtime_address(found->address, base_), found->size};
    }

private:
    ElfSymbols symbols_;
    uint64_t base_;
};

}  // namespace

std::unique_ptr<ModuleSymbols> loaded_at(ElfSymbols symbols, uint64_t base) {
    return std::make_unique<FileModuleSymbols>(std::move(symbols), base);
}

Result<std::unique_ptr<ModuleSymbols>> module_symbols_from_file(const ModuleInfo& module,
                                                                std::span<const std::string_view> names) {
    // A core's module whose file here is missing or of another build is never read.
    const std::string& file = module.file_to_read();
    if (file.empty()) return fail(ErrorCode::Io, fmt::format("no trusted file for {} here", module.path));
    PYXRAY_TRY(symbols, ElfSymbols::open(file, names));
    return loaded_at(std::move(symbols), module.base);
}

}  // namespace pyxray

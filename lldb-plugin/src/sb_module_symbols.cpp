#include "sb_module_symbols.hpp"

#include <fmt/format.h>
#include <lldb/API/SBAddress.h>
#include <lldb/API/SBSection.h>
#include <lldb/API/SBSymbol.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace pyxray::lldb_plugin {
namespace {

// Sections nest (ELF: PT_LOAD containers; Mach-O: segments holding sections) a level or two.
constexpr int kMaxSectionDepth = 4;
constexpr uint32_t kMaxSectionsVisited = 4096;

uint64_t g_lookups_answered = 0;

template <class Found>
Found counted(Found found) {
    if (found) ++g_lookups_answered;
    return found;
}

// The core asks for sections by their ELF names; Mach-O spells the same ones differently
// (CPython puts _PyRuntime in `__DATA,PyRuntime` there; zero-initialised data is `__DATA,__bss`).
std::vector<std::string_view> spellings_of(std::string_view elf_name) {
    if (elf_name == ".PyRuntime") return {".PyRuntime", "PyRuntime"};
    if (elf_name == ".bss") return {".bss", "__bss"};
    return {elf_name};
}

bool named_one_of(lldb::SBSection& section, const std::vector<std::string_view>& names) {
    const char* name = section.GetName();
    if (name == nullptr) return false;
    for (auto wanted : names)
        if (wanted == name) return true;
    return false;
}

class SbModuleSymbols final : public ModuleSymbols {
public:
    SbModuleSymbols(const lldb::SBTarget& target, const lldb::SBModule& module)
        : target_(target), module_(module) {}

    std::optional<uint64_t> symbol(std::string_view name) const override {
        std::string wanted(name);
        lldb::SBSymbol found = module_.FindSymbol(wanted.c_str());
        if (!found.IsValid() || found.GetName() == nullptr || wanted != found.GetName()) return std::nullopt;
        lldb::SBAddress start = found.GetStartAddress();
        // An undefined (imported) symbol has no section in this module.
        if (!start.IsValid() || !start.GetSection().IsValid()) return std::nullopt;
        return counted(valid_load_address(start.GetLoadAddress(target_)));
    }

    std::optional<LoadedSection> section(std::string_view name) const override {
        auto names = spellings_of(name);
        uint32_t visited = 0;
        uint32_t count = module_.GetNumSections();
        for (uint32_t index = 0; index < count; ++index) {
            lldb::SBSection top = module_.GetSectionAtIndex(index);
            if (auto found = find_in(top, names, 0, visited)) return counted(found);
        }
        return std::nullopt;
    }

private:
    static std::optional<uint64_t> valid_load_address(lldb::addr_t address) {
        if (address == LLDB_INVALID_ADDRESS || address == 0) return std::nullopt;
        return address;
    }

    std::optional<LoadedSection> find_in(lldb::SBSection& section, const std::vector<std::string_view>& names,
                                         int depth, uint32_t& visited) const {
        if (!section.IsValid() || depth > kMaxSectionDepth || ++visited > kMaxSectionsVisited)
            return std::nullopt;
        if (named_one_of(section, names)) {
            auto address = valid_load_address(section.GetLoadAddress(target_));
            if (!address) return std::nullopt;
            return LoadedSection{*address, section.GetByteSize()};
        }
        size_t children = section.GetNumSubSections();
        for (size_t index = 0; index < children; ++index) {
            lldb::SBSection child = section.GetSubSectionAtIndex(index);
            if (auto found = find_in(child, names, depth + 1, visited)) return found;
        }
        return std::nullopt;
    }

    // SB handles are cheap references whose query methods are not const.
    mutable lldb::SBTarget target_;
    mutable lldb::SBModule module_;
};

}  // namespace

uint64_t lookups_answered_by_lldb() { return g_lookups_answered; }

Result<std::unique_ptr<ModuleSymbols>> sb_module_symbols(lldb::SBTarget& target, uint64_t base) {
    uint32_t count = target.GetNumModules();
    for (uint32_t index = 0; index < count; ++index) {
        lldb::SBModule module = target.GetModuleAtIndex(index);
        if (!module.IsValid()) continue;
        if (module.GetObjectFileHeaderAddress().GetLoadAddress(target) != base) continue;
        return std::make_unique<SbModuleSymbols>(target, module);
    }
    return fail(ErrorCode::Io, fmt::format("LLDB has no module loaded at {:#x}", base));
}

}  // namespace pyxray::lldb_plugin

// Target::module_symbols' default: the module's ELF file on disk, mapped to where it is loaded.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "pyxray/target.hpp"
#include "symbols/elf_symbols.hpp"

namespace pyxray {

// Reads the symbols named in `names` and the loaded sections of module.path; fails as
// ElfSymbols::open does (a missing or non-ELF file).
Result<std::unique_ptr<ModuleSymbols>> module_symbols_from_file(const ModuleInfo& module,
                                                                std::span<const std::string_view> names);

// An ElfSymbols already read, seen at run-time addresses for a module whose offset 0 is at `base`.
std::unique_ptr<ModuleSymbols> loaded_at(ElfSymbols symbols, uint64_t base);

}  // namespace pyxray

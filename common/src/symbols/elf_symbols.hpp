// Symbol and section lookup in an ELF file on disk (.symtab and .dynsym, section headers), and
// the load bias that maps its addresses to a running process or core.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pyxray/result.hpp"

namespace pyxray {

struct ElfSection {
    uint64_t address = 0;  // sh_addr, a link-time address
    uint64_t size = 0;
};

class ElfSymbols {
public:
    // Reads the symbols named in `names` from the file at `path` (only those: a libpython
    // .symtab has tens of thousands); fails for unreadable or non-ELF files. A name spelled
    // "FILE.c:NAME" is the local (static) symbol NAME of the source file FILE.c (in an LTO
    // build, which names no files: the only NAME.lto_priv.N).
    static Result<ElfSymbols> open(const std::string& path, std::span<const std::string_view> names);

    // The symbol's st_value (a link-time address), if the file defines it.
    std::optional<uint64_t> find(std::string_view name) const;
    // A section the file loads into memory (SHF_ALLOC), by name; `strip` keeps these headers.
    std::optional<ElfSection> section(std::string_view name) const;
    // The address of the file's offset 0 at link time: subtract from a mapping's base to get
    // the load bias.
    uint64_t link_base() const { return link_base_; }
    // Run-time address of a link-time address, for a module whose offset 0 is at `base`.
    uint64_t runtime_address(uint64_t link_address, uint64_t base) const {
        return link_address - link_base_ + base;
    }

private:
    std::unordered_map<std::string, uint64_t> symbols_;
    std::unordered_map<std::string, ElfSection> sections_;
    uint64_t link_base_ = 0;
};

}  // namespace pyxray

#include "symbols/elf_symbols.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pyxray {
namespace {

constexpr size_t kMaxSymbols = 2'000'000;
constexpr size_t kMaxSections = 65'536;

struct FileCloser {
    int fd;
    ~FileCloser() {
        if (fd >= 0) close(fd);
    }
};

struct ElfCloser {
    void operator()(Elf* elf) const { elf_end(elf); }
};

// Data and function symbols only: the runtime and version live in data symbols.
bool wanted(const GElf_Sym& symbol) {
    int type = GELF_ST_TYPE(symbol.st_info);
    return symbol.st_shndx != SHN_UNDEF && symbol.st_value != 0 &&
           (type == STT_OBJECT || type == STT_FUNC || type == STT_NOTYPE);
}

std::string_view source_basename(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "floatobject.c:free_list" names the static `free_list` of floatobject.c: CPython's statics
// share names across files (free_list, numfree), and .symtab tells them apart only by the
// STT_FILE symbol before each file's locals.
bool names_local(std::string_view wanted_name, std::string_view file, std::string_view name) {
    size_t colon = wanted_name.find(':');
    return colon != std::string_view::npos && !file.empty() && wanted_name.substr(0, colon) == file &&
           wanted_name.substr(colon + 1) == name;
}

// A link-time optimised build (Debian's python3.11) keeps no STT_FILE before its statics and
// renames them NAME.lto_priv.N: "FILE.c:NAME" then matches NAME.lto_priv.N, but only when one
// such symbol exists (two files' statics of one name get two numbers, and no file to tell them).
bool names_lto_local(std::string_view wanted_name, std::string_view name) {
    size_t colon = wanted_name.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view variable = wanted_name.substr(colon + 1);
    constexpr std::string_view kSuffix = ".lto_priv.";
    if (!name.starts_with(variable) || !name.substr(variable.size()).starts_with(kSuffix)) return false;
    std::string_view number = name.substr(variable.size() + kSuffix.size());
    return !number.empty() && number.find_first_not_of("0123456789") == std::string_view::npos;
}

void read_symbol_table(Elf* elf, Elf_Scn* section, const GElf_Shdr& header,
                       std::span<const std::string_view> names,
                       std::unordered_map<std::string, uint64_t>& out) {
    Elf_Data* data = elf_getdata(section, nullptr);
    if (data == nullptr || header.sh_entsize == 0) return;
    size_t count = std::min<size_t>(header.sh_size / header.sh_entsize, kMaxSymbols);
    std::string_view file;  // the STT_FILE the local symbols that follow come from
    std::unordered_map<std::string_view, std::pair<uint64_t, size_t>> lto;  // address, how many
    for (size_t i = 0; i < count; ++i) {
        GElf_Sym symbol;
        if (gelf_getsym(data, static_cast<int>(i), &symbol) == nullptr) continue;
        const char* name = elf_strptr(elf, header.sh_link, symbol.st_name);
        if (name == nullptr) continue;
        if (GELF_ST_TYPE(symbol.st_info) == STT_FILE) file = source_basename(name);
        if (!wanted(symbol)) continue;
        bool local = GELF_ST_BIND(symbol.st_info) == STB_LOCAL;
        for (std::string_view wanted_name : names) {
            if (wanted_name == name || (local && names_local(wanted_name, file, name)))
                out.emplace(wanted_name, symbol.st_value);
            else if (local && names_lto_local(wanted_name, name))
                lto[wanted_name] = {symbol.st_value, lto[wanted_name].second + 1};
        }
    }
    for (const auto& [wanted_name, found] : lto)
        if (found.second == 1) out.emplace(wanted_name, found.first);
}

void remember_section(Elf* elf, size_t names_index, const GElf_Shdr& header,
                      std::unordered_map<std::string, ElfSection>& out) {
    if ((header.sh_flags & SHF_ALLOC) == 0 || out.size() >= kMaxSections) return;
    const char* name = elf_strptr(elf, names_index, header.sh_name);
    if (name != nullptr) out.emplace(name, ElfSection{header.sh_addr, header.sh_size});
}

uint64_t lowest_load_address(Elf* elf) {
    size_t count = 0;
    if (elf_getphdrnum(elf, &count) != 0) return 0;
    uint64_t lowest = UINT64_MAX;
    for (size_t i = 0; i < count; ++i) {
        GElf_Phdr header;
        if (gelf_getphdr(elf, static_cast<int>(i), &header) == nullptr || header.p_type != PT_LOAD) continue;
        uint64_t page_aligned = (header.p_vaddr - header.p_offset) & ~uint64_t{0xfff};
        lowest = std::min(lowest, page_aligned);
    }
    return lowest == UINT64_MAX ? 0 : lowest;
}

}  // namespace

Result<ElfSymbols> ElfSymbols::open(const std::string& path, std::span<const std::string_view> names) {
    elf_version(EV_CURRENT);
    FileCloser file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0)
        return fail(ErrorCode::Io, fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
    std::unique_ptr<Elf, ElfCloser> elf(elf_begin(file.fd, ELF_C_READ_MMAP, nullptr));
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
        return fail(ErrorCode::Io, fmt::format("'{}' is not an ELF file", path));
    ElfSymbols result;
    result.link_base_ = lowest_load_address(elf.get());
    size_t names_index = 0;
    bool have_section_names = elf_getshdrstrndx(elf.get(), &names_index) == 0;
    Elf_Scn* section = nullptr;
    while ((section = elf_nextscn(elf.get(), section)) != nullptr) {
        GElf_Shdr header;
        if (gelf_getshdr(section, &header) == nullptr) continue;
        if (header.sh_type == SHT_SYMTAB || header.sh_type == SHT_DYNSYM)
            read_symbol_table(elf.get(), section, header, names, result.symbols_);
        if (have_section_names) remember_section(elf.get(), names_index, header, result.sections_);
    }
    return result;
}

std::optional<uint64_t> ElfSymbols::find(std::string_view name) const {
    auto found = symbols_.find(std::string(name));
    if (found == symbols_.end()) return std::nullopt;
    return found->second;
}

std::optional<ElfSection> ElfSymbols::section(std::string_view name) const {
    auto found = sections_.find(std::string(name));
    if (found == sections_.end()) return std::nullopt;
    return found->second;
}

}  // namespace pyxray

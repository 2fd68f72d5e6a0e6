#include "symbols/build_id.hpp"

#include <elf.h>

#include <cstring>
#include <vector>

#include "memory/file_handle.hpp"

namespace pyxray {
namespace {

constexpr uint32_t kGnuBuildIdType = 3;  // NT_GNU_BUILD_ID
constexpr size_t kMaxBuildIdBytes = 64;

template <class T>
bool read_struct(const ImageReader& read, uint64_t offset, T& out) {
    return read(offset, std::as_writable_bytes(std::span(&out, 1)));
}

std::string hex_of(std::span<const std::byte> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::byte b : bytes) {
        out += kDigits[static_cast<uint8_t>(b) >> 4];
        out += kDigits[static_cast<uint8_t>(b) & 0xf];
    }
    return out;
}

size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) / alignment * alignment; }

// The notes of one PT_NOTE segment, already read; 8-byte aligned notes (p_align 8, as in
// .note.gnu.property) pad names and descriptors to 8 bytes.
std::optional<std::string> build_id_in_notes(std::span<const std::byte> notes, size_t alignment) {
    size_t at = 0;
    while (at + sizeof(Elf64_Nhdr) <= notes.size()) {
        Elf64_Nhdr header;
        std::memcpy(&header, notes.data() + at, sizeof header);
        size_t name_at = at + sizeof header;
        if (header.n_namesz > notes.size() || header.n_descsz > notes.size()) break;
        // Offsets are aligned from the segment's start (libelf's gelf_getnote does the same).
        size_t desc_at = align_up(name_at + header.n_namesz, alignment);
        size_t next = align_up(desc_at + header.n_descsz, alignment);
        if (desc_at + header.n_descsz > notes.size()) break;
        bool gnu = header.n_namesz == 4 && std::memcmp(notes.data() + name_at, "GNU", 4) == 0;
        if (gnu && header.n_type == kGnuBuildIdType && header.n_descsz > 0 &&
            header.n_descsz <= kMaxBuildIdBytes)
            return hex_of(notes.subspan(desc_at, header.n_descsz));
        at = next;
    }
    return std::nullopt;
}

bool is_elf64_little_endian(const Elf64_Ehdr& header) {
    return std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 && header.e_ident[EI_CLASS] == ELFCLASS64 &&
           header.e_ident[EI_DATA] == ELFDATA2LSB && header.e_phentsize == sizeof(Elf64_Phdr);
}

}  // namespace

std::optional<std::string> read_build_id(const ImageReader& read) {
    Elf64_Ehdr header;
    if (!read_struct(read, 0, header) || !is_elf64_little_endian(header)) return std::nullopt;
    size_t count = std::min<size_t>(header.e_phnum, kMaxNoteHeaders);
    size_t budget = kMaxNoteBytes;
    for (size_t i = 0; i < count; ++i) {
        Elf64_Phdr segment;
        if (!read_struct(read, header.e_phoff + i * sizeof segment, segment)) return std::nullopt;
        if (segment.p_type != PT_NOTE || segment.p_filesz == 0 || segment.p_filesz > budget) continue;
        budget -= segment.p_filesz;
        std::vector<std::byte> notes(segment.p_filesz);
        if (!read(segment.p_offset, notes)) continue;
        if (auto id = build_id_in_notes(notes, segment.p_align == 8 ? 8 : 4)) return id;
    }
    return std::nullopt;
}

std::optional<std::string> build_id_of_file(const std::string& path) {
    auto file = detail::FileHandle::open_read_only(path);
    if (!file) return std::nullopt;
    return read_build_id([&](uint64_t offset, std::span<std::byte> out) {
        return file->read_at(offset, out.data(), out.size()) == out.size();
    });
}

std::string build_id_debug_path(const std::string& build_id) {
    if (build_id.size() < 3) return {};
    return "/usr/lib/debug/.build-id/" + build_id.substr(0, 2) + "/" + build_id.substr(2) + ".debug";
}

std::optional<std::string> build_id_in_memory(const Memory& memory, uint64_t base) {
    return read_build_id([&](uint64_t offset, std::span<std::byte> out) {
        return memory.read(base + offset, out).has_value();
    });
}

}  // namespace pyxray

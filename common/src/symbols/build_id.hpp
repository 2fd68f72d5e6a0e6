// GNU build-ids (NT_GNU_BUILD_ID) read from an ELF image's program headers and notes: of a file
// on disk, or of the ELF header page a core kept of a mapped module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "pyxray/memory.hpp"

namespace pyxray {

// Fills `out` with the image's bytes at file offset `offset`; false when they are not there.
using ImageReader = std::function<bool(uint64_t offset, std::span<std::byte> out)>;

// The build-id as lowercase hex, or nothing when the image is no 64-bit little-endian ELF, has
// no PT_NOTE with a GNU build-id, or its headers and notes cannot be read. Bounded: at most
// kMaxNoteHeaders program headers and kMaxNoteBytes of notes are read.
std::optional<std::string> read_build_id(const ImageReader& read);

// Of a file on disk (nothing when it cannot be opened).
std::optional<std::string> build_id_of_file(const std::string& path);
// Where distributions install the separate debug file of a build-id (Debian's -dbg and -dbgsym
// packages): /usr/lib/debug/.build-id/XX/REST.debug, XX the id's first byte in hex.
std::string build_id_debug_path(const std::string& build_id);
// Of the module whose offset 0 is mapped at `base`: its PT_NOTE lies in the first page (within
// the first loadable segment, which maps file offset x at base + x).
std::optional<std::string> build_id_in_memory(const Memory& memory, uint64_t base);

constexpr size_t kMaxNoteHeaders = 256;
constexpr size_t kMaxNoteBytes = size_t{64} * 1024;

}  // namespace pyxray

// Typed helpers over Memory that are too large to inline.
#include <fmt/format.h>

#include <algorithm>

#include "pyxray/memory.hpp"

namespace pyxray {
namespace {

// No single read of target data needs more; a larger size is a corrupt length field.
constexpr size_t kMaxReadBytes = size_t{1} << 30;
constexpr uint64_t kPageSize = 4096;

// Reads one piece of a string; when the whole piece fails (say the string ends just before an
// unreadable region that the piece reaches into), reads it byte by byte up to the first NUL.
Result<size_t> read_string_piece(const Memory& memory, uint64_t address, std::span<std::byte> piece) {
    if (memory.read(address, piece)) return piece.size();
    for (size_t i = 0; i < piece.size(); ++i) {
        PYXRAY_TRY_VOID(memory.read(address + i, piece.subspan(i, 1)));
        if (piece[i] == std::byte{0}) return i + 1;
    }
    return piece.size();
}

}  // namespace

Result<std::vector<std::byte>> read_bytes(const Memory& memory, uint64_t address, size_t size) {
    if (size > kMaxReadBytes)
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("refusing to read {} bytes at 0x{:x}: more than the {} byte cap, "
                                "the size is probably corrupt",
                                size, address, kMaxReadBytes),
                    address);
    std::vector<std::byte> bytes(size);
    PYXRAY_TRY_VOID(memory.read(address, bytes));
    return bytes;
}

Result<std::string> read_c_string(const Memory& memory, uint64_t address, size_t max_length) {
    std::string text;
    std::byte piece[256];
    uint64_t cursor = address;
    // Pieces never cross a page boundary, so a string ending just before an unmapped page reads.
    while (text.size() < max_length) {
        size_t to_page_end = kPageSize - (cursor % kPageSize);
        size_t want = std::min({sizeof piece, to_page_end, max_length - text.size()});
        PYXRAY_TRY(got, read_string_piece(memory, cursor, std::span(piece, want)));
        auto* chars = reinterpret_cast<const char*>(piece);
        auto* nul = std::find(chars, chars + got, '\0');
        text.append(chars, nul);
        if (nul != chars + got) return text;
        cursor += got;
    }
    // A terminating NUL right at the cap still makes a complete string of max_length bytes.
    std::byte terminator{1};
    if (memory.read(cursor, std::span(&terminator, 1)) && terminator == std::byte{0}) return text;
    return fail(ErrorCode::Truncated,
                fmt::format("string at 0x{:x} has no NUL within {} bytes", address, max_length), address);
}

}  // namespace pyxray

// Reading str, bytes and type names out of target memory, bounded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

constexpr size_t kMaxStringChars = 4096;
constexpr size_t kMaxBytesSize = 1 << 20;

// A str object as UTF-8 (every PEP 393 kind); longer strings are cut at `max_chars`.
Result<std::string> read_unicode(const Memory& memory, const Offsets& offsets, uint64_t address,
                                 size_t max_chars = kMaxStringChars);
// A str's PEP 393 storage: the code unit width, and whether its data follows the object
// (compact; ASCII right after PyASCIIObject) or sits in a buffer of its own.
struct StringState {
    unsigned kind;
    bool compact;
    bool ascii;
};
Result<StringState> read_str_state(const Memory& memory, const Offsets& offsets, uint64_t address);

// A bytes object's contents; fails when larger than `max_size`.
Result<std::vector<uint8_t>> read_bytes_object(const Memory& memory, const Offsets& offsets, uint64_t address,
                                               size_t max_size = kMaxBytesSize);
// tp_name of an object's type.
Result<std::string> read_type_name(const Memory& memory, const Offsets& offsets, uint64_t object);

void append_utf8(std::string& out, uint32_t code_point);

}  // namespace pyxray

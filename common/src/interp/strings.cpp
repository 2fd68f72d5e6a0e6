#include "interp/strings.hpp"

#include <fmt/format.h>

#include "layout/object_mirrors.hpp"

namespace pyxray {

void append_utf8(std::string& out, uint32_t cp) {
    if (cp > 0x10ffff) cp = 0xfffd;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

namespace {

std::string decode_code_units(const std::vector<std::byte>& data, unsigned kind, size_t count) {
    std::string out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        uint32_t cp = 0;
        std::memcpy(&cp, data.data() + i * kind, kind);  // little-endian x86-64
        append_utf8(out, cp);
    }
    return out;
}

}  // namespace

// PyASCIIObject.state: bit fields after a two-bit `interned`, or, free-threaded 3.14+, after
// an `interned` byte.
Result<StringState> read_str_state(const Memory& memory, const Offsets& offsets, uint64_t address) {
    uint64_t at = address + offsets.unicode_object.state;
    if (offsets.unicode_object.state_interned_byte) {
        PYXRAY_TRY(state, read_value<mirror::FreeThreadedUnicodeState>(memory, at));
        return StringState{state.kind, state.compact != 0, state.ascii != 0};
    }
    PYXRAY_TRY(state, read_value<mirror::UnicodeState>(memory, at));
    return StringState{state.kind, state.compact != 0, state.ascii != 0};
}

Result<std::string> read_unicode(const Memory& memory, const Offsets& offsets, uint64_t address,
                                 size_t max_chars) {
    if (address == 0) return fail(ErrorCode::BadData, "NULL where a str object was expected");
    const auto& layout = offsets.unicode_object;
    PYXRAY_TRY(length, read_value<int64_t>(memory, address + layout.length));
    PYXRAY_TRY(state, read_str_state(memory, offsets, address));
    unsigned kind = state.kind;
    if (length < 0 || (kind != 1 && kind != 2 && kind != 4) || (state.ascii && kind != 1))
        return fail(ErrorCode::BadData, fmt::format("not a str object at {:#x}", address), address);
    uint64_t data = 0;
    if (state.compact) {
        data = address + (state.ascii ? layout.ascii_size : layout.compact_size);
    } else {
        PYXRAY_TRY(pointer, read_pointer(memory, address + layout.data_any));
        data = pointer;
    }
    size_t count = std::min<size_t>(static_cast<size_t>(length), max_chars);
    PYXRAY_TRY(bytes, read_bytes(memory, data, count * kind));
    if (kind == 1 && state.ascii) return std::string(reinterpret_cast<const char*>(bytes.data()), count);
    return decode_code_units(bytes, kind, count);
}

Result<std::vector<uint8_t>> read_bytes_object(const Memory& memory, const Offsets& offsets, uint64_t address,
                                               size_t max_size) {
    if (address == 0) return fail(ErrorCode::BadData, "NULL where a bytes object was expected");
    PYXRAY_TRY(size, read_value<int64_t>(memory, address + offsets.bytes_object.ob_size));
    if (size < 0 || static_cast<size_t>(size) > max_size)
        return fail(ErrorCode::BadData, fmt::format("implausible bytes size {} at {:#x}", size, address),
                    address);
    PYXRAY_TRY(bytes, read_bytes(memory, address + offsets.bytes_object.ob_sval, static_cast<size_t>(size)));
    // An empty bytes object reads as an empty vector whose data() is null: memcpy must not see it.
    const auto* first = reinterpret_cast<const uint8_t*>(bytes.data());
    return std::vector<uint8_t>(first, first + bytes.size());
}

Result<std::string> read_type_name(const Memory& memory, const Offsets& offsets, uint64_t object) {
    PYXRAY_TRY(type, read_pointer(memory, object + offsets.pyobject.ob_type));
    if (type == 0)
        return fail(ErrorCode::BadData, fmt::format("object at {:#x} has no type", object), object);
    PYXRAY_TRY(name, read_pointer(memory, type + offsets.type_object.tp_name));
    return read_c_string(memory, name, 128);
}

}  // namespace pyxray

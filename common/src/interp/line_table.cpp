#include "interp/line_table.hpp"

namespace pyxray {
namespace {

enum LocationCode : int {
    kOneLine0 = 10,
    kOneLine1 = 11,
    kOneLine2 = 12,
    kNoColumns = 13,
    kLong = 14,
    kNone = 15,
};

class Reader {
public:
    explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
    bool at_end() const { return position_ >= bytes_.size(); }
    uint8_t next() { return at_end() ? 0 : bytes_[position_++]; }
    void skip(size_t count) { position_ += count; }

    // 6-bit chunks, least significant first; bit 6 says another chunk follows.
    uint32_t varint() {
        uint8_t byte = next();
        uint32_t value = byte & 63;
        unsigned shift = 0;
        while ((byte & 64) && !at_end() && shift < 30) {
            byte = next();
            shift += 6;
            value |= static_cast<uint32_t>(byte & 63) << shift;
        }
        return value;
    }

    int signed_varint() {
        uint32_t value = varint();
        return (value & 1) ? -static_cast<int>(value >> 1) : static_cast<int>(value >> 1);
    }

private:
    std::span<const uint8_t> bytes_;
    size_t position_ = 0;
};

// Reads one entry's payload after its first byte; returns the line delta it carries.
int read_entry_payload(Reader& reader, int code) {
    switch (code) {
        case kNone:
            return 0;
        case kNoColumns:
            return reader.signed_varint();
        case kLong: {
            int delta = reader.signed_varint();
            reader.varint();  // end line delta
            reader.varint();  // column + 1
            reader.varint();  // end column + 1
            return delta;
        }
        case kOneLine0:
        case kOneLine1:
        case kOneLine2:
            reader.skip(2);
            return code - kOneLine0;
        default:  // short forms 0-9: same line, one byte of columns
            reader.skip(1);
            return 0;
    }
}

}  // namespace

int line_for_code_unit(std::span<const uint8_t> table, int first_line, int code_unit) {
    if (code_unit < 0) return first_line;
    Reader reader(table);
    int line = first_line;
    int start = 0;
    while (!reader.at_end()) {
        uint8_t first = reader.next();
        if ((first & 0x80) == 0) return -1;  // not an entry start: the table is corrupt
        int code = (first >> 3) & 15;
        int length = (first & 7) + 1;
        line += read_entry_payload(reader, code);
        if (code_unit < start + length) return code == kNone ? -1 : line;
        start += length;
    }
    return -1;
}

}  // namespace pyxray

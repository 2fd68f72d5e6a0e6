// str, bytes and bytearray reprs: Python's quote choice (single quotes unless the text has a
// single quote and no double quote) and escapes (Objects/unicodeobject.c unicode_repr,
// Objects/bytesobject.c PyBytes_Repr). The text itself comes from interp/strings.cpp's
// bounded readers.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "interp/strings.hpp"
#include "objects/decoder.hpp"
#include "pyxray/render.hpp"

namespace pyxray::objects {

namespace {

struct Range {
    uint32_t first, last;
};

// Code points above U+007F that str.isprintable() rejects: categories Cc, Cf, Cs, Co, Zs, Zl,
// Zp and the unassigned (Cn) ones of the common ranges. Where it may differ from a given
// CPython: code points unassigned in its Unicode version (3.8 has Unicode 12.1, 3.13 15.1)
// that this table does not list are shown as-is instead of \u/\U-escaped; noncharacters and
// the ranges listed below are right for every version.
constexpr std::array kNonPrintable{
    Range{0x0080, 0x00a0},   Range{0x00ad, 0x00ad},   Range{0x0378, 0x0379},    Range{0x0380, 0x0383},
    Range{0x038b, 0x038b},   Range{0x038d, 0x038d},   Range{0x03a2, 0x03a2},    Range{0x0530, 0x0530},
    Range{0x0557, 0x0558},   Range{0x058b, 0x058c},   Range{0x0590, 0x0590},    Range{0x05c8, 0x05cf},
    Range{0x05eb, 0x05ee},   Range{0x05f5, 0x0605},   Range{0x061c, 0x061c},    Range{0x06dd, 0x06dd},
    Range{0x070e, 0x070f},   Range{0x08e2, 0x08e2},   Range{0x180e, 0x180e},    Range{0x1680, 0x1680},
    Range{0x2000, 0x200f},   Range{0x2028, 0x202f},   Range{0x205f, 0x206f},    Range{0x3000, 0x3000},
    Range{0xd800, 0xf8ff},   Range{0xfdd0, 0xfdef},   Range{0xfeff, 0xfeff},    Range{0xfff0, 0xfffb},
    Range{0x110bd, 0x110bd}, Range{0x110cd, 0x110cd}, Range{0x1bca0, 0x1bca3},  Range{0x1d173, 0x1d17a},
    Range{0x323b0, 0xdffff}, Range{0xe0000, 0xe00ff}, Range{0xe01f0, 0x10ffff},
};

// Python's choice: ' unless the text has ' and no ".
template <class Seq>
char choose_quote(const Seq& units) {
    bool single = false, dbl = false;
    for (auto c : units) {
        if (c == '\'') single = true;
        if (c == '"') dbl = true;
    }
    return single && !dbl ? '"' : '\'';
}

// repr()'s escape of a code point it does not show as itself (or of a byte of a bytes object).
void append_escape(std::string& out, uint32_t c) {
    if (c == '\t')
        out += "\\t";
    else if (c == '\n')
        out += "\\n";
    else if (c == '\r')
        out += "\\r";
    else if (c <= 0xff)
        out += fmt::format("\\x{:02x}", c);
    else if (c <= 0xffff)
        out += fmt::format("\\u{:04x}", c);
    else
        out += fmt::format("\\U{:08x}", c);
}

void append_common_escape(std::string& out, uint32_t c, char quote) {
    if (c == static_cast<uint32_t>(quote) || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
    } else if (c < 0x80 && is_printable(c)) {
        out += static_cast<char>(c);
    } else {
        append_escape(out, c);
    }
}

// One UTF-8 sequence at the start of `text`: its code point and length, or length 0 for a
// byte that starts no valid sequence. Surrogates (three bytes, as interp/strings.cpp writes a
// str's lone surrogates) count as code points, the way the str held them.
std::pair<uint32_t, size_t> decode_utf8(std::string_view text) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(0);
    if (lead < 0x80) return {lead, 1};
    size_t length = lead >= 0xc2 && lead <= 0xdf   ? 2
                    : lead >= 0xe0 && lead <= 0xef ? 3
                    : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                   : 0;
    if (length == 0 || text.size() < length) return {0, 0};
    uint32_t cp = lead & (0x7fu >> length);
    for (size_t k = 1; k < length; ++k) {
        if ((byte(k) & 0xc0) != 0x80) return {0, 0};
        cp = (cp << 6) | (byte(k) & 0x3f);
    }
    bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || cp > 0x10ffff) return {0, 0};
    return {cp, length};
}

// Decodes interp/strings.cpp's UTF-8 (surrogates come through as three-byte sequences).
std::vector<uint32_t> code_points_of(const std::string& text) {
    std::vector<uint32_t> out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        auto byte = static_cast<unsigned char>(text[i]);
        size_t extra = byte < 0x80 ? 0 : byte < 0xe0 ? 1 : byte < 0xf0 ? 2 : 3;
        uint32_t cp = extra == 0   ? byte
                      : extra == 1 ? (byte & 0x1f)
                      : extra == 2 ? (byte & 0x0f)
                                   : (byte & 0x07);
        if (i + extra >= text.size()) break;  // a cut sequence: append_utf8 never writes one
        for (size_t k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
        out.push_back(cp);
        i += extra + 1;
    }
    return out;
}

}  // namespace

bool is_printable(uint32_t c) {
    if (c < 0x80) return c >= 0x20 && c != 0x7f;
    if ((c & 0xfffe) == 0xfffe) return false;  // U+xFFFE and U+xFFFF of every plane
    for (const auto& range : kNonPrintable)
        if (c >= range.first && c <= range.last) return false;
    return true;
}

std::string quote_code_points(const std::vector<uint32_t>& code_points) {
    char quote = choose_quote(code_points);
    std::string out(1, quote);
    for (uint32_t c : code_points) {
        if (c < 0x80) {
            append_common_escape(out, c, quote);
        } else if (is_printable(c)) {
            append_utf8(out, c);
        } else {
            append_escape(out, c);
        }
    }
    out += quote;
    return out;
}

Result<std::vector<uint32_t>> read_code_points(const Memory& memory, const Offsets& offsets, uint64_t address,
                                               size_t max_chars, int64_t& length) {
    PYXRAY_TRY(full, read_value<int64_t>(memory, address + offsets.unicode_object.length));
    PYXRAY_TRY(text, read_unicode(memory, offsets, address, max_chars));
    length = full;
    return code_points_of(text);
}

Result<std::string> Decoder::str_repr(uint64_t object) const {
    int64_t length = 0;
    PYXRAY_TRY(code_points, read_code_points(memory, offsets, object, limits.max_string, length));
    std::string out = quote_code_points(code_points);
    if (length > static_cast<int64_t>(code_points.size()))
        out += fmt::format("...<+{} chars>", length - static_cast<int64_t>(code_points.size()));
    return out;
}

Result<std::string> Decoder::bytes_repr(uint64_t object, bool bytearray) const {
    int64_t size = 0;
    uint64_t data = 0;
    if (bytearray) {
        const auto& layout = offsets.objects.bytearray_object;
        PYXRAY_TRY(count, read_value<int64_t>(memory, object + layout.ob_size));
        PYXRAY_TRY(start, read_pointer(memory, object + layout.ob_start));
        size = count;
        data = start;
    } else {
        PYXRAY_TRY(count, read_value<int64_t>(memory, object + offsets.bytes_object.ob_size));
        size = count;
        data = object + offsets.bytes_object.ob_sval;
    }
    if (size < 0) return fail(ErrorCode::BadData, fmt::format("negative size {}", size), object);
    size_t shown = std::min<size_t>(static_cast<size_t>(size), limits.max_string);
    std::vector<std::byte> bytes;
    if (shown > 0) {
        PYXRAY_TRY(read, read_bytes(memory, data, shown));
        bytes = std::move(read);
    }
    std::vector<uint8_t> units(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) units[i] = static_cast<uint8_t>(bytes[i]);
    char quote = choose_quote(units);
    std::string out = bytearray ? "bytearray(b" : "b";
    out += quote;
    for (uint8_t c : units) append_common_escape(out, c, quote);
    out += quote;
    if (static_cast<size_t>(size) > shown)
        out += fmt::format("...<+{} bytes>", static_cast<size_t>(size) - shown);
    if (bytearray) out += ')';
    return out;
}

}  // namespace pyxray::objects

namespace pyxray {

// repr()'s escapes without its quotes, for names and text shown bare: what repr() would escape
// is escaped the same way (\t, \x1b, \u202e, ...), each byte that is not UTF-8 as \xNN, and
// the rest (printable text, non-ASCII letters) kept. Backslashes are kept too, so that text
// already escaped (a repr) comes through unchanged and escaping twice changes nothing.
std::string printable_text(std::string_view text) {
    bool plain = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    if (plain) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (size_t i = 0; i < text.size();) {
        auto [c, length] = objects::decode_utf8(text.substr(i));
        if (length == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
            ++i;
            continue;
        }
        if (objects::is_printable(c))
            out.append(text.substr(i, length));
        else
            objects::append_escape(out, c);
        i += length;
    }
    return out;
}

}  // namespace pyxray

// int (and bool): the digit array of PyLongObject, 30-bit digits, little-endian. 3.8-3.11 keep
// the sign and the digit count in ob_size; 3.12+ (gh-101291) in lv_tag: count << 3 | sign,
// sign 0 positive, 1 zero, 2 negative. Decimal conversion is exact and bounded by kMaxIntDigits.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "objects/decoder.hpp"

namespace pyxray::objects {

namespace {

constexpr unsigned kDigitBits = 30;
constexpr uint32_t kDigitMask = (1u << kDigitBits) - 1;

struct LongValue {
    bool negative = false;
    std::vector<uint32_t> digits;  // least significant first
};

Result<LongValue> read_long(const Memory& memory, const Offsets& offsets, uint64_t object,
                            size_t max_digits) {
    const auto& layout = offsets.objects.long_object;
    PYXRAY_TRY(raw, read_value<int64_t>(memory, object + layout.size_or_tag));
    LongValue value;
    uint64_t count = 0;
    if (layout.lv_tag) {
        uint64_t tag = static_cast<uint64_t>(raw);
        uint64_t sign = tag & 3;
        if (sign == 3) return fail(ErrorCode::BadData, fmt::format("bad int tag {:#x}", tag), object);
        value.negative = sign == 2;
        count = tag >> 3;
        if (sign == 1) count = 0;
    } else {
        value.negative = raw < 0;
        count = raw < 0 ? static_cast<uint64_t>(-(raw + 1)) + 1 : static_cast<uint64_t>(raw);
    }
    if (count > max_digits)
        return fail(ErrorCode::Truncated, fmt::format("<int of {} 30-bit digits at {:#x}>", count, object),
                    object);
    if (count == 0) return value;
    PYXRAY_TRY(bytes, read_bytes(memory, object + layout.digits, count * sizeof(uint32_t)));
    value.digits.resize(count);
    std::memcpy(value.digits.data(), bytes.data(), count * sizeof(uint32_t));
    for (uint32_t digit : value.digits)
        if (digit > kDigitMask) return fail(ErrorCode::BadData, "int digit above 2**30", object);
    return value;
}

}  // namespace

std::string digits_to_decimal(const std::vector<uint32_t>& digits) {
    // Repeated division by 10**9 of the base-2**30 magnitude: quadratic, and bounded by the cap.
    std::vector<uint32_t> work(digits);
    while (!work.empty() && work.back() == 0) work.pop_back();
    if (work.empty()) return "0";
    constexpr uint32_t kChunk = 1000000000;
    std::vector<uint32_t> chunks;  // base 10**9, least significant first
    while (!work.empty()) {
        uint64_t remainder = 0;
        for (size_t i = work.size(); i-- > 0;) {
            uint64_t current = (remainder << kDigitBits) | work[i];
            work[i] = static_cast<uint32_t>(current / kChunk);
            remainder = current % kChunk;
        }
        chunks.push_back(static_cast<uint32_t>(remainder));
        while (!work.empty() && work.back() == 0) work.pop_back();
    }
    std::string out = fmt::format("{}", chunks.back());
    for (size_t i = chunks.size() - 1; i-- > 0;) out += fmt::format("{:09d}", chunks[i]);
    return out;
}

Result<std::string> Decoder::int_repr(uint64_t object) const {
    auto value = read_long(memory, offsets, object, kMaxIntDigits);
    if (!value) {
        if (value.error().code == ErrorCode::Truncated) return value.error().message;  // the marker
        return pyxray::unexpected(value.error());
    }
    std::string text = digits_to_decimal(value->digits);
    if (value->negative && text != "0") text.insert(text.begin(), '-');
    return text;
}

Result<int64_t> Decoder::int_value(uint64_t object) const {
    PYXRAY_TRY(value, read_long(memory, offsets, object, 3));
    unsigned __int128 magnitude = 0;
    for (size_t i = value.digits.size(); i-- > 0;) magnitude = (magnitude << kDigitBits) | value.digits[i];
    constexpr unsigned __int128 kMaxPositive = static_cast<unsigned __int128>(INT64_MAX);
    if (!value.negative && magnitude > kMaxPositive)
        return fail(ErrorCode::Truncated, "int does not fit in 64 bits", object);
    if (value.negative && magnitude > kMaxPositive + 1)
        return fail(ErrorCode::Truncated, "int does not fit in 64 bits", object);
    if (value.negative) return static_cast<int64_t>(-static_cast<__int128>(magnitude));
    return static_cast<int64_t>(magnitude);
}

}  // namespace pyxray::objects

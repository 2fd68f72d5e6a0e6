// Synthetic target memory holding CPython objects laid out by one version's Offsets table:
// builtin type objects, ints, floats, strs, tuples, lists, dicts (combined and split, in that
// version's keys/values format), sets and instances of a heap type. One arena; addresses are
// stable; finish() gives the Memory.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "layout/object_mirrors.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace synthetic {

class ObjectImage {
public:
    static constexpr uint64_t kBase = 0x7e0000000000;

    explicit ObjectImage(const pyxray::Offsets& offsets) : o_(offsets), arena_(1 << 20) {
        metatype_ = type_object("type", pyxray::type_flags::kTypeSubclass);
        put<uint64_t>(metatype_ + o_.pyobject.ob_type, metatype_);
    }

    const pyxray::Offsets& offsets() const { return o_; }

    uint64_t alloc(size_t size) {
        size = (size + 15) & ~size_t{15};
        uint64_t address = kBase + used_;
        used_ += size + 16;  // a gap, so pre-header words never overlap the previous object
        if (used_ > arena_.size()) arena_.resize(used_ * 2);
        return address;
    }

    template <class T>
    void put(uint64_t address, T value) {
        std::memcpy(arena_.data() + (address - kBase), &value, sizeof(T));
    }
    void put_bytes(uint64_t address, const void* data, size_t size) {
        std::memcpy(arena_.data() + (address - kBase), data, size);
    }

    // A type object named `name` (a static builtin unless flags has kHeapType).
    uint64_t type_object(const std::string& name, uint64_t flags = 0, int64_t basicsize = 16,
                         uint64_t base = 0, uint64_t dict = 0) {
        uint64_t type = alloc(1024);
        uint64_t text = alloc(name.size() + 1);
        put_bytes(text, name.c_str(), name.size() + 1);
        put<uint64_t>(type + o_.pyobject.ob_type, metatype_);
        put<uint64_t>(type + o_.type_object.tp_name, text);
        put<uint64_t>(type + o_.objects.type.tp_flags, flags);
        put<int64_t>(type + o_.objects.type.tp_basicsize, basicsize);
        put<uint64_t>(type + o_.objects.type.tp_base, base);
        put<uint64_t>(type + o_.objects.type.tp_dict, dict);
        return type;
    }

    uint64_t builtin(const std::string& name, uint64_t flags = 0) {
        for (auto& [known, address] : builtins_)
            if (known == name) return address;
        uint64_t type = type_object(name, flags);
        builtins_.emplace_back(name, type);
        return type;
    }

    uint64_t object(uint64_t type, size_t size) {
        uint64_t address = alloc(size);
        put<uint64_t>(address + o_.pyobject.ob_type, type);
        return address;
    }

    uint64_t none() { return singleton("NoneType"); }

    uint64_t integer(bool negative, const std::vector<uint32_t>& digits, const char* type_name = "int") {
        const auto& l = o_.objects.long_object;
        uint64_t type = builtin(type_name, pyxray::type_flags::kLongSubclass);
        uint64_t address = object(type, l.digits + 4 * digits.size() + 8);
        if (l.lv_tag) {
            uint64_t sign = digits.empty() ? 1 : negative ? 2 : 0;
            put<uint64_t>(address + l.size_or_tag, (digits.size() << 3) | sign);
        } else {
            auto count = static_cast<int64_t>(digits.size());
            put<int64_t>(address + l.size_or_tag, negative ? -count : count);
        }
        for (size_t i = 0; i < digits.size(); ++i) put<uint32_t>(address + l.digits + 4 * i, digits[i]);
        return address;
    }

    uint64_t small_int(int64_t value) {
        std::vector<uint32_t> digits;
        uint64_t magnitude = value < 0 ? static_cast<uint64_t>(-value) : static_cast<uint64_t>(value);
        while (magnitude) {
            digits.push_back(static_cast<uint32_t>(magnitude & ((1u << 30) - 1)));
            magnitude >>= 30;
        }
        return integer(value < 0, digits);
    }

    uint64_t floating(double value) {
        uint64_t address = object(builtin("float"), o_.objects.float_object.ob_fval + 8);
        put<double>(address + o_.objects.float_object.ob_fval, value);
        return address;
    }

    // A compact str of `kind` (1, 2 or 4) bytes per code point; ASCII when every one is < 128.
    uint64_t str(const std::u32string& text, unsigned kind = 0) {
        bool ascii = true;
        uint32_t widest = 0;
        for (char32_t c : text) {
            ascii = ascii && c < 0x80;
            widest = std::max<uint32_t>(widest, c);
        }
        if (kind == 0) kind = widest < 0x100 ? 1 : widest < 0x10000 ? 2 : 4;
        ascii = ascii && kind == 1;
        const auto& u = o_.unicode_object;
        uint64_t data_at = ascii ? u.ascii_size : u.compact_size;
        uint64_t address =
            object(builtin("str", pyxray::type_flags::kUnicodeSubclass), data_at + (text.size() + 1) * kind);
        put<int64_t>(address + u.length, static_cast<int64_t>(text.size()));
        uint32_t state = 0;
        if (u.state_interned_byte)
            state = (kind << 8) | (1u << 11) | ((ascii ? 1u : 0u) << 12);
        else
            state = (kind << 2) | (1u << 5) | ((ascii ? 1u : 0u) << 6);
        put<uint32_t>(address + u.state, state);
        for (size_t i = 0; i < text.size(); ++i) {
            uint32_t c = text[i];
            put_bytes(address + data_at + i * kind, &c, kind);
        }
        return address;
    }
    uint64_t str(const std::string& ascii) { return str(std::u32string(ascii.begin(), ascii.end())); }

    uint64_t bytes(const std::string& data) {
        uint64_t address = object(builtin("bytes", pyxray::type_flags::kBytesSubclass),
                                  o_.bytes_object.ob_sval + data.size() + 1);
        put<int64_t>(address + o_.bytes_object.ob_size, static_cast<int64_t>(data.size()));
        put_bytes(address + o_.bytes_object.ob_sval, data.data(), data.size());
        return address;
    }

    uint64_t tuple(const std::vector<uint64_t>& items) {
        const auto& t = o_.objects.tuple_object;
        uint64_t address =
            object(builtin("tuple", pyxray::type_flags::kTupleSubclass), t.ob_item + 8 * items.size() + 8);
        put<int64_t>(address + t.ob_size, static_cast<int64_t>(items.size()));
        for (size_t i = 0; i < items.size(); ++i) put<uint64_t>(address + t.ob_item + 8 * i, items[i]);
        return address;
    }

    uint64_t list(const std::vector<uint64_t>& items) {
        const auto& l = o_.objects.list_object;
        uint64_t address = object(builtin("list", pyxray::type_flags::kListSubclass), l.ob_item + 16);
        uint64_t array = alloc(8 * items.size() + 8);
        put<int64_t>(address + l.ob_size, static_cast<int64_t>(items.size()));
        put<uint64_t>(address + l.ob_item, array);
        for (size_t i = 0; i < items.size(); ++i) put<uint64_t>(array + 8 * i, items[i]);
        return address;
    }
    void set_list_item(uint64_t list, size_t index, uint64_t item) {
        uint64_t array = 0;
        std::memcpy(&array, arena_.data() + (list + o_.objects.list_object.ob_item - kBase), 8);
        put<uint64_t>(array + 8 * index, item);
    }

    // Keys object with `entries` in order (a 0 value is a deleted entry), unicode (16-byte)
    // entries when `unicode` and the version has them.
    uint64_t keys(const std::vector<std::pair<uint64_t, uint64_t>>& entries, bool unicode,
                  unsigned kind = 1) {
        const auto& k = o_.objects.dict_keys;
        uint64_t slots = 8;
        while (slots * 2 / 3 < entries.size()) slots *= 2;
        uint64_t index_bytes = slots;  // one byte per index below 256 slots
        bool small_entries = unicode && k.format == pyxray::DictKeysFormat::Log2311;
        uint64_t entry_size = small_entries ? k.unicode_entry_size : k.entry_size;
        uint64_t address = alloc(k.dk_indices + index_bytes + entry_size * slots);
        if (k.format == pyxray::DictKeysFormat::Size38) {
            put<int64_t>(address + k.dk_size, static_cast<int64_t>(slots));
        } else {
            uint8_t log2 = 0;
            while ((uint64_t{1} << log2) < slots) ++log2;
            put<uint8_t>(address + k.dk_log2_size, log2);
            put<uint8_t>(address + k.dk_log2_index_bytes, log2);
            put<uint8_t>(address + k.dk_kind, small_entries ? static_cast<uint8_t>(kind) : 0);
        }
        put<int64_t>(address + k.dk_nentries, static_cast<int64_t>(entries.size()));
        uint64_t first = address + k.dk_indices + index_bytes;
        for (size_t i = 0; i < entries.size(); ++i) {
            uint64_t entry = first + i * entry_size;
            bool deleted = entries[i].second == 0;
            put<uint64_t>(entry + (small_entries ? k.unicode_entry_key : k.entry_key),
                          deleted ? 0 : entries[i].first);
            put<uint64_t>(entry + (small_entries ? k.unicode_entry_value : k.entry_value), entries[i].second);
        }
        return address;
    }

    uint64_t dict_with(uint64_t keys, uint64_t values, int64_t used) {
        const auto& d = o_.objects.dict_object;
        uint64_t address = object(builtin("dict", pyxray::type_flags::kDictSubclass), d.ma_values + 8);
        put<int64_t>(address + d.ma_used, used);
        put<uint64_t>(address + d.ma_keys, keys);
        put<uint64_t>(address + d.ma_values, values);
        return address;
    }

    // A combined dict; a 0 value marks a deleted entry (kept in the entries, skipped).
    uint64_t dict(const std::vector<std::pair<uint64_t, uint64_t>>& entries, bool str_keys = false) {
        int64_t used = 0;
        for (const auto& entry : entries) used += entry.second != 0;
        return dict_with(keys(entries, str_keys), 0, used);
    }

    // A split table's values for shared `keys`: values[i] belongs to key entry i, and
    // `order` lists the entry indices in insertion order (3.11+).
    uint64_t values(const std::vector<uint64_t>& by_entry, const std::vector<uint8_t>& order) {
        const auto& v = o_.objects.dict_values;
        size_t n = by_entry.size();
        if (v.format == pyxray::DictValuesFormat::Array38) {
            uint64_t address = alloc(8 * n);
            for (size_t i = 0; i < n; ++i) put<uint64_t>(address + 8 * i, by_entry[i]);
            return address;
        }
        if (v.format == pyxray::DictValuesFormat::Prefix311) {
            size_t prefix = ((order.size() + 2 + 7) / 8) * 8;
            uint64_t block = alloc(prefix + 8 * n);
            uint64_t address = block + prefix;
            put<uint8_t>(address - 1, static_cast<uint8_t>(prefix));
            put<uint8_t>(address - 2, static_cast<uint8_t>(order.size()));
            for (size_t i = 0; i < order.size(); ++i) put<uint8_t>(address - 3 - i, order[i]);
            for (size_t i = 0; i < n; ++i) put<uint64_t>(address + 8 * i, by_entry[i]);
            return address;
        }
        uint64_t address = alloc(v.values + 8 * n + order.size());
        put<uint8_t>(address + v.capacity, static_cast<uint8_t>(n));
        put<uint8_t>(address + v.size, static_cast<uint8_t>(order.size()));
        put<uint8_t>(address + v.valid, 1);
        for (size_t i = 0; i < n; ++i) put<uint64_t>(address + v.values + 8 * i, by_entry[i]);
        for (size_t i = 0; i < order.size(); ++i) put<uint8_t>(address + v.values + 8 * n + i, order[i]);
        return address;
    }

    // The arena as one more region of `memory` (an image built with another builder).
    void add_to(pyxray::BufferMemory& memory) const { memory.add(kBase, arena_.data(), used_); }

    std::unique_ptr<pyxray::BufferMemory> finish() const {
        auto memory = std::make_unique<pyxray::BufferMemory>();
        memory->add(kBase, arena_.data(), used_);
        return memory;
    }

private:
    uint64_t singleton(const std::string& type_name) {
        for (auto& [known, address] : singletons_)
            if (known == type_name) return address;
        uint64_t address = object(builtin(type_name), 16);
        singletons_.emplace_back(type_name, address);
        return address;
    }

    const pyxray::Offsets& o_;
    std::vector<std::byte> arena_;
    size_t used_ = 0;
    uint64_t metatype_ = 0;
    std::vector<std::pair<std::string, uint64_t>> builtins_;
    std::vector<std::pair<std::string, uint64_t>> singletons_;
};

}  // namespace synthetic

// dict: iteration order over every layout 3.8-3.15 (ObjectLayouts::dict_keys/dict_values).
// Combined tables: the entries array in order, skipping deleted entries (NULL key or value).
// Split tables (shared keys, instance dicts): 3.8-3.10 a values array in key order; 3.11-3.12
// PyDictValues with the insertion order in the bytes before it; 3.13+ PyDictValues with a
// capacity and the order after the values.
#include <fmt/format.h>

#include <cstring>

#include "interp/strings.hpp"
#include "objects/decoder.hpp"

namespace pyxray::objects {

namespace {

constexpr size_t kEntryBlock = 256;  // entries read at a time

struct KeysTable {
    uint64_t entries = 0;  // address of entry 0
    uint64_t entry_size = 0;
    uint64_t key_at = 0;  // offsets inside an entry
    uint64_t value_at = 0;
    int64_t nentries = 0;
};

Result<KeysTable> read_keys(const Memory& memory, const Offsets& offsets, uint64_t keys) {
    const auto& k = offsets.objects.dict_keys;
    KeysTable table;
    PYXRAY_TRY(nentries, read_value<int64_t>(memory, keys + k.dk_nentries));
    uint64_t index_bytes = 0;
    bool unicode = false;
    uint64_t slots = 0;
    if (k.format == DictKeysFormat::Size38) {
        PYXRAY_TRY(size, read_value<int64_t>(memory, keys + k.dk_size));
        if (size <= 0 || size > (int64_t{1} << 32) || (size & (size - 1)) != 0)
            return fail(ErrorCode::BadData, fmt::format("bad dict keys size {}", size), keys);
        slots = static_cast<uint64_t>(size);
        uint64_t width = slots <= 0xff ? 1 : slots <= 0xffff ? 2 : slots <= 0xffffffff ? 4 : 8;
        index_bytes = slots * width;
    } else {
        PYXRAY_TRY(log2_size, read_value<uint8_t>(memory, keys + k.dk_log2_size));
        PYXRAY_TRY(log2_index_bytes, read_value<uint8_t>(memory, keys + k.dk_log2_index_bytes));
        PYXRAY_TRY(kind, read_value<uint8_t>(memory, keys + k.dk_kind));
        if (log2_size > 32 || log2_index_bytes > 35 || log2_index_bytes < log2_size || kind > 2)
            return fail(ErrorCode::BadData, "bad dict keys header", keys);
        slots = uint64_t{1} << log2_size;
        index_bytes = uint64_t{1} << log2_index_bytes;
        unicode = kind != 0;  // DICT_KEYS_UNICODE and DICT_KEYS_SPLIT keep str keys only
    }
    if (nentries < 0 || static_cast<uint64_t>(nentries) > slots ||
        static_cast<size_t>(nentries) > kMaxDictEntries)
        return fail(ErrorCode::BadData, fmt::format("bad dict entry count {}", nentries), keys);
    table.nentries = nentries;
    table.entries = keys + k.dk_indices + index_bytes;
    table.entry_size = unicode ? k.unicode_entry_size : k.entry_size;
    table.key_at = unicode ? k.unicode_entry_key : k.entry_key;
    table.value_at = unicode ? k.unicode_entry_value : k.entry_value;
    return table;
}

// Calls `visit(index, key, value)` for each entry in order until it returns false.
template <class Visit>
Result<void> each_entry(const Memory& memory, const KeysTable& table, Visit&& visit) {
    for (int64_t start = 0; start < table.nentries; start += kEntryBlock) {
        size_t block = static_cast<size_t>(std::min<int64_t>(kEntryBlock, table.nentries - start));
        PYXRAY_TRY(bytes,
                   read_bytes(memory, table.entries + start * table.entry_size, block * table.entry_size));
        for (size_t i = 0; i < block; ++i) {
            uint64_t key = 0, value = 0;
            std::memcpy(&key, bytes.data() + i * table.entry_size + table.key_at, sizeof key);
            std::memcpy(&value, bytes.data() + i * table.entry_size + table.value_at, sizeof value);
            if (!visit(static_cast<size_t>(start) + i, key, value)) return {};
        }
    }
    return {};
}

Result<uint64_t> entry_key(const Memory& memory, const KeysTable& table, size_t index) {
    return read_pointer(memory, table.entries + index * table.entry_size + table.key_at);
}

}  // namespace

Result<Items> Decoder::values_items(uint64_t keys, uint64_t values, size_t max_items, int64_t& used) const {
    PYXRAY_TRY(table, read_keys(memory, offsets, keys));
    const auto& v = offsets.objects.dict_values;
    std::vector<uint8_t> order;
    uint64_t array = values + v.values;
    if (v.format == DictValuesFormat::Capacity313) {
        PYXRAY_TRY(capacity, read_value<uint8_t>(memory, values + v.capacity));
        PYXRAY_TRY(size, read_value<uint8_t>(memory, values + v.size));
        if (size > capacity) return fail(ErrorCode::BadData, "dict values size above capacity", values);
        PYXRAY_TRY(bytes, read_bytes(memory, array + capacity * sizeof(uint64_t), size));
        for (auto b : bytes) order.push_back(static_cast<uint8_t>(b));
    } else {  // Prefix311: [-1] prefix size, [-2] count, [-3 - i] the index of the i-th value
        PYXRAY_TRY(count, read_value<uint8_t>(memory, values - 2));
        if (count > 0) {
            PYXRAY_TRY(bytes, read_bytes(memory, values - 2 - count, count));
            for (size_t i = 0; i < count; ++i) order.push_back(static_cast<uint8_t>(bytes[count - 1 - i]));
        }
    }
    Items items;
    used = 0;
    for (uint8_t index : order) {
        if (index >= table.nentries)
            return fail(ErrorCode::BadData, "dict values order out of range", values);
        PYXRAY_TRY(value, read_pointer(memory, array + index * sizeof(uint64_t)));
        if (value == 0) continue;
        ++used;
        if (items.size() >= max_items) continue;
        PYXRAY_TRY(key, entry_key(memory, table, index));
        items.emplace_back(key, value);
    }
    return items;
}

Result<Items> Decoder::collect_dict(uint64_t dict, size_t max_items, int64_t& used) const {
    const auto& d = offsets.objects.dict_object;
    PYXRAY_TRY(ma_used, read_value<int64_t>(memory, dict + d.ma_used));
    PYXRAY_TRY(keys, read_pointer(memory, dict + d.ma_keys));
    PYXRAY_TRY(values, read_pointer(memory, dict + d.ma_values));
    if (ma_used < 0 || static_cast<size_t>(ma_used) > kMaxDictEntries)
        return fail(ErrorCode::BadData, fmt::format("bad dict size {}", ma_used), dict);
    used = ma_used;
    if (values != 0 && offsets.objects.dict_values.format != DictValuesFormat::Array38) {
        int64_t counted = 0;
        return values_items(keys, values, max_items, counted);
    }
    PYXRAY_TRY(table, read_keys(memory, offsets, keys));
    Items items;
    std::vector<uint64_t> split_values;
    if (values != 0 && table.nentries > 0) {  // 3.8-3.10 split table: values[i] belongs to entry i
        PYXRAY_TRY(bytes, read_bytes(memory, values, static_cast<size_t>(table.nentries) * sizeof(uint64_t)));
        split_values.resize(static_cast<size_t>(table.nentries));
        std::memcpy(split_values.data(), bytes.data(), bytes.size());
    }
    size_t wanted = std::min(max_items, static_cast<size_t>(ma_used));
    PYXRAY_TRY_VOID(each_entry(memory, table, [&](size_t index, uint64_t key, uint64_t value) {
        if (values != 0) value = split_values[index];
        if (key != 0 && value != 0) items.emplace_back(key, value);
        return items.size() < wanted;
    }));
    return items;
}

Result<Items> Decoder::dict_items(uint64_t dict, size_t max_items) const {
    int64_t used = 0;
    PYXRAY_TRY(items, collect_dict(dict, max_items, used));
    if (used > static_cast<int64_t>(max_items))
        return fail(ErrorCode::Truncated,
                    fmt::format("dict at {:#x} holds {} items, above {}", dict, used, max_items), dict);
    return items;
}

Result<std::optional<uint64_t>> Decoder::find_str_key(const Items& items, std::string_view key) const {
    for (const auto& [k, value] : items) {
        auto type = read_pointer(memory, k + offsets.pyobject.ob_type);
        if (!type) continue;
        auto flags = read_value<uint64_t>(memory, *type + offsets.objects.type.tp_flags);
        if (!flags || !(*flags & type_flags::kUnicodeSubclass)) continue;
        auto text = read_unicode(memory, offsets, k, key.size() + 1);
        if (text && *text == key) return std::optional<uint64_t>(value);
    }
    return std::optional<uint64_t>();
}

Result<std::optional<uint64_t>> Decoder::dict_get_str(uint64_t dict, std::string_view key) const {
    int64_t used = 0;
    PYXRAY_TRY(items, collect_dict(dict, kMaxDictEntries, used));
    return find_str_key(items, key);
}

void Decoder::append_dict(std::string& out, uint64_t object, size_t depth) {
    ActiveGuard guard(*this, object);
    if (!guard.entered) {
        out += "{...}";
        return;
    }
    int64_t used = 0;
    auto items = collect_dict(object, limits.max_items, used);
    if (!items) {
        out += items.error().code == ErrorCode::Unreadable
                   ? unreadable(object)
                   : fmt::format("<dict at {}: {}>", hex_address(object), items.error().message);
        return;
    }
    out += "{";
    for (size_t i = 0; i < items->size(); ++i) {
        if (i > 0) out += ", ";
        append_repr(out, (*items)[i].first, depth + 1);
        out += ": ";
        append_repr(out, (*items)[i].second, depth + 1);
    }
    if (used > static_cast<int64_t>(items->size()))
        out += fmt::format("{}...<+{} items>", items->empty() ? "" : ", ",
                           used - static_cast<int64_t>(items->size()));
    out += "}";
}

}  // namespace pyxray::objects

#include "heap/object_sizes.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include "interp/strings.hpp"

namespace pyxray {
namespace {

constexpr uint64_t kWord = sizeof(uint64_t);
constexpr uint64_t kMaxPlausibleItems = uint64_t{1} << 31;

SizeFamily static_size_family(std::string_view name) {
    if (name == "list") return SizeFamily::List;
    if (name == "tuple") return SizeFamily::Tuple;
    if (name == "dict") return SizeFamily::Dict;
    if (name == "set" || name == "frozenset") return SizeFamily::Set;
    if (name == "str") return SizeFamily::Str;
    if (name == "int" || name == "bool") return SizeFamily::Int;
    if (name == "type") return SizeFamily::Type;
    return SizeFamily::Plain;
}

// The first builtin (static) type on the base chain decides; a class that defines its own
// __sizeof__ in Python is sized as its builtin base.
SizeFamily size_family(const objects::Decoder& decoder, const objects::TypeInfo& type) {
    objects::TypeInfo current = type;
    for (size_t i = 0; i < objects::kMaxBaseChain; ++i) {
        if (!current.heap) return static_size_family(current.name);
        if (current.base == 0) return SizeFamily::Plain;
        auto base = decoder.read_type(current.base);
        if (!base) return SizeFamily::Plain;
        current = std::move(*base);
    }
    return SizeFamily::Plain;
}

// The flags whose objects carry two extra words before the GC head (_PyType_PreHeaderSize):
// 3.11's managed dict (gh-89700), 3.12+'s Py_TPFLAGS_PREHEADER (managed dict and weakref).
uint64_t preheader_flags(int minor) {
    if (minor >= 12) return type_flags::kManagedDict | type_flags::kManagedWeakref;
    if (minor == 11) return type_flags::kManagedDict;
    return 0;
}

// USABLE_FRACTION (Objects/dictobject.c): two thirds of a table's slots take entries.
uint64_t usable_fraction(uint64_t slots) { return (slots << 1) / 3; }

// 3.8-3.10 DK_IXSIZE: the width of an index slot grows with the table.
uint64_t legacy_index_width(uint64_t slots) {
    if (slots <= 0xff) return 1;
    if (slots <= 0xffff) return 2;
    if (slots <= 0xffffffff) return 4;
    return 8;
}

// _PyDict_KeysSize: the keys object's header, its index table and its entries.
uint64_t dict_keys_size(const Memory& memory, const Offsets& offsets, uint64_t keys) {
    const auto& k = offsets.objects.dict_keys;
    if (k.format == DictKeysFormat::Log2311) {
        auto log2_size = read_value<uint8_t>(memory, keys + k.dk_log2_size);
        auto log2_index = read_value<uint8_t>(memory, keys + k.dk_log2_index_bytes);
        auto kind = read_value<uint8_t>(memory, keys + k.dk_kind);
        if (!log2_size || !log2_index || !kind || *log2_size > 40 || *log2_index > 43) return 0;
        uint64_t entry = *kind == 0 ? k.entry_size : k.unicode_entry_size;
        return k.dk_indices + (uint64_t{1} << *log2_index) +
               usable_fraction(uint64_t{1} << *log2_size) * entry;
    }
    auto slots = read_value<int64_t>(memory, keys + k.dk_size);
    if (!slots || *slots <= 0 || *slots > (int64_t{1} << 40)) return 0;
    uint64_t size = static_cast<uint64_t>(*slots);
    return k.dk_indices + legacy_index_width(size) * size + usable_fraction(size) * k.entry_size;
}

// _PyDict_SizeOf: the object, a split table's values, and its keys when no other dict shares them.
uint64_t dict_size(const Memory& memory, const Offsets& offsets, uint64_t dict, const TypeSizing& sizing) {
    const auto& d = offsets.objects.dict_object;
    uint64_t bytes = static_cast<uint64_t>(sizing.basicsize);
    auto keys = read_pointer(memory, dict + d.ma_keys);
    auto values = read_pointer(memory, dict + d.ma_values);
    if (!keys || *keys == 0) return bytes;
    const auto& k = offsets.objects.dict_keys;
    if (values && *values != 0) {
        uint64_t slots = 0;
        if (k.format == DictKeysFormat::Log2311) {
            auto nentries = read_value<int64_t>(memory, *keys + k.dk_nentries);
            auto usable = read_value<int64_t>(memory, *keys + offsets.objects.sizeof_fields.dict_keys_usable);
            if (nentries && usable && *nentries >= 0 && *usable >= 0)
                slots = static_cast<uint64_t>(*nentries + *usable);
        } else if (auto size = read_value<int64_t>(memory, *keys + k.dk_size); size && *size > 0) {
            slots = usable_fraction(static_cast<uint64_t>(*size));
        }
        bytes += slots * kWord;
    }
    auto refcnt = read_value<int64_t>(memory, *keys + offsets.objects.sizeof_fields.dict_keys_refcnt);
    if (refcnt && *refcnt == 1) bytes += dict_keys_size(memory, offsets, *keys);
    return bytes;
}

uint64_t set_size(const Memory& memory, const Offsets& offsets, uint64_t set, const TypeSizing& sizing) {
    const auto& s = offsets.objects.set_object;
    uint64_t bytes = static_cast<uint64_t>(sizing.basicsize);
    auto table = read_pointer(memory, set + s.table);
    auto mask = read_value<int64_t>(memory, set + s.mask);
    if (table && mask && *table != set + offsets.objects.sizeof_fields.set_smalltable && *mask >= 0 &&
        *mask < (int64_t{1} << 40))
        bytes += static_cast<uint64_t>(*mask + 1) * s.entry_size;
    return bytes;
}

// str.__sizeof__ of a compact string: the header its data follows, and the code units with
// the terminating one; a legacy string's data sits in a buffer of its own, counted likewise.
// A cached UTF-8 copy (PyCompactUnicodeObject.utf8) is not counted.
uint64_t str_size(const Memory& memory, const Offsets& offsets, uint64_t str, const TypeSizing& sizing) {
    const auto& u = offsets.unicode_object;
    auto length = read_value<int64_t>(memory, str + u.length);
    auto state = read_str_state(memory, offsets, str);
    if (!length || !state || *length < 0 || *length > (int64_t{1} << 40))
        return static_cast<uint64_t>(sizing.basicsize);
    uint64_t units = (static_cast<uint64_t>(*length) + 1) * state->kind;
    if (!state->compact) return static_cast<uint64_t>(sizing.basicsize) + units;
    return (state->ascii ? u.ascii_size : u.compact_size) + units;
}

// int.__sizeof__: the digits' offset and the 30-bit digits, at least one.
uint64_t int_size(const Memory& memory, const Offsets& offsets, uint64_t object) {
    const auto& l = offsets.objects.long_object;
    auto word = read_value<int64_t>(memory, object + l.size_or_tag);
    uint64_t digits = 1;
    if (word) {
        uint64_t magnitude = *word < 0 ? static_cast<uint64_t>(-*word) : static_cast<uint64_t>(*word);
        digits = l.lv_tag ? magnitude >> 3 : magnitude;  // 3.12+ lv_tag: digit count << 3 | sign
    }
    return l.digits + std::max<uint64_t>(digits, 1) * sizeof(uint32_t);
}

// type.__sizeof__ of a class: PyHeapTypeObject and the shared keys its instances' dicts use.
uint64_t type_size(const Memory& memory, const Offsets& offsets, uint64_t type, const TypeSizing& sizing) {
    uint64_t bytes = static_cast<uint64_t>(sizing.basicsize);
    auto flags = read_value<uint64_t>(memory, type + offsets.objects.type.tp_flags);
    if (!flags || !(*flags & type_flags::kHeapType)) return bytes;
    auto keys = read_pointer(memory, type + offsets.objects.heap_type.ht_cached_keys);
    return keys && *keys ? bytes + dict_keys_size(memory, offsets, *keys) : bytes;
}

uint64_t read_count(const Memory& memory, uint64_t address) {
    auto value = read_value<int64_t>(memory, address);
    return value && *value > 0 ? static_cast<uint64_t>(*value) : 0;
}

}  // namespace

Result<ObjectHead> read_head(const Memory& memory, const Offsets& offsets, uint64_t object) {
    uint64_t type_at = offsets.pyobject.ob_type;
    uint64_t size_at = offsets.objects.list_object.ob_size;
    std::array<std::byte, 48> bytes{};
    if (std::max(type_at, size_at) + sizeof(uint64_t) <= bytes.size() && memory.read(object, bytes)) {
        ObjectHead head;
        std::memcpy(&head.type, bytes.data() + type_at, sizeof(head.type));
        std::memcpy(&head.ob_size, bytes.data() + size_at, sizeof(head.ob_size));
        return head;
    }
    // A small object at the very end of a mapping: its type alone, then what follows if readable.
    PYXRAY_TRY(type, read_pointer(memory, object + type_at));
    return ObjectHead{type, read_value<int64_t>(memory, object + size_at).value_or(0)};
}

TypeSizing type_sizing(const objects::Decoder& decoder, const objects::TypeInfo& type, int minor,
                       uint64_t gc_head_size) {
    TypeSizing sizing;
    sizing.family = size_family(decoder, type);
    sizing.basicsize = type.basicsize;
    sizing.itemsize = type.itemsize;
    sizing.extra = gc_head_size;
    if (type.flags & preheader_flags(minor)) sizing.extra += 2 * kWord;
    return sizing;
}

ObjectSize object_size(const Memory& memory, const Offsets& offsets, uint64_t object,
                       const TypeSizing& sizing, int64_t ob_size) {
    uint64_t items = ob_size > 0 ? static_cast<uint64_t>(ob_size) : 0;
    uint64_t basic = static_cast<uint64_t>(sizing.basicsize);
    switch (sizing.family) {
        case SizeFamily::List: {
            uint64_t allocated = read_count(memory, object + offsets.objects.sizeof_fields.list_allocated);
            return {basic + allocated * kWord + sizing.extra, items};
        }
        case SizeFamily::Tuple:
            return {basic + items * static_cast<uint64_t>(sizing.itemsize) + sizing.extra, items};
        case SizeFamily::Dict:
            return {dict_size(memory, offsets, object, sizing) + sizing.extra,
                    read_count(memory, object + offsets.objects.dict_object.ma_used)};
        case SizeFamily::Set:
            return {set_size(memory, offsets, object, sizing) + sizing.extra,
                    read_count(memory, object + offsets.objects.set_object.used)};
        case SizeFamily::Str:
            return {str_size(memory, offsets, object, sizing) + sizing.extra, 0};
        case SizeFamily::Int:
            return {int_size(memory, offsets, object) + sizing.extra, 0};
        case SizeFamily::Type:
            return {type_size(memory, offsets, object, sizing) + sizing.extra, 0};
        case SizeFamily::Plain:
            break;
    }
    // object.__sizeof__: the basic size and, for variable-size types, ob_size items. Some types
    // with an item size keep no ob_size there (3.11's generators): a count no object could hold
    // is taken for such a field.
    uint64_t magnitude = ob_size < 0 ? static_cast<uint64_t>(-ob_size) : items;
    if (magnitude > kMaxPlausibleItems) magnitude = 0;
    uint64_t variable = sizing.itemsize > 0 ? magnitude * static_cast<uint64_t>(sizing.itemsize) : 0;
    return {basic + variable + sizing.extra, 0};
}

}  // namespace pyxray

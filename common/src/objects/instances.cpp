// Instances of user classes: where their attributes live and object's default repr.
// - tp_dictoffset > 0: a __dict__ pointer inside the object (3.8-3.10 always, later for types
//   without Py_TPFLAGS_MANAGED_DICT); < 0: counted from the end of a variable-size object.
// - Py_TPFLAGS_MANAGED_DICT (3.11+): ObjectLayouts::managed_dict says where the dict (or its
//   values, with the type's ht_cached_keys as keys) sits before the object; 3.13+
//   Py_TPFLAGS_INLINE_VALUES keeps the values inline at tp_basicsize until a dict is made.
// - __slots__: the T_OBJECT_EX members of each heap type's tp_members, up the tp_base chain.
//
// ReprLimits::verbose appends the attributes to the default repr, __slots__ first, as
//   <__main__.Token object at 0x7f...> {kind='name', text='x'}
// (`{}` after the address is never part of Python's default repr).
#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <optional>

#include "interp/strings.hpp"
#include "objects/decoder.hpp"

namespace pyxray::objects {

namespace {

constexpr int kMemberObjectEx = 16;  // Py_T_OBJECT_EX (T_OBJECT_EX before 3.12): a __slots__ slot
// Inline values sit at tp_basicsize: no real type's instances come near this.
constexpr int64_t kMaxBasicSize = int64_t{1} << 20;

// _PyObject_GetDictPtr's offset for a negative tp_dictoffset: dictoffset + basicsize +
// |ob_size| * itemsize, rounded up to 8. Every term is a target value: a step that would
// overflow, or a result outside the object, makes no offset.
std::optional<int64_t> dict_offset_from_end(const TypeInfo& type, int64_t size) {
    if (size == std::numeric_limits<int64_t>::min() || type.basicsize < 0 || type.itemsize < 0)
        return std::nullopt;
    int64_t items = 0, total = 0, offset = 0;
    if (__builtin_mul_overflow(size < 0 ? -size : size, type.itemsize, &items) ||
        __builtin_add_overflow(type.basicsize, items, &total) || __builtin_add_overflow(total, 7, &total) ||
        __builtin_add_overflow(type.dictoffset, total & ~int64_t{7}, &offset) || offset <= 0)
        return std::nullopt;
    return offset;
}

}  // namespace

Result<Items> Decoder::instance_namespace(uint64_t object, const TypeInfo& type, size_t max_items) const {
    const auto& managed = offsets.objects.managed_dict;
    int64_t used = 0;
    if (managed.format != ManagedDictFormat::None && (type.flags & type_flags::kManagedDict)) {
        auto cached_keys = [&]() -> Result<uint64_t> {
            return read_pointer(memory, type.address + offsets.objects.heap_type.ht_cached_keys);
        };
        PYXRAY_TRY(word, read_pointer(memory, object + managed.dict_offset));
        switch (managed.format) {
            case ManagedDictFormat::Pointers311: {
                PYXRAY_TRY(values, read_pointer(memory, object + managed.values_offset));
                if (values != 0) {
                    PYXRAY_TRY(keys, cached_keys());
                    return values_items(keys, values, max_items, used);
                }
                break;
            }
            case ManagedDictFormat::DictOrValues312:
                if (word & 1) {
                    PYXRAY_TRY(keys, cached_keys());
                    return values_items(keys, word + 1, max_items, used);
                }
                break;
            case ManagedDictFormat::Inline313:
                if (word == 0 && (type.flags & type_flags::kInlineValues)) {
                    if (type.basicsize <= 0 || type.basicsize > kMaxBasicSize)
                        return fail(ErrorCode::BadData, fmt::format("bad tp_basicsize {}", type.basicsize),
                                    type.address);
                    uint64_t values = object + static_cast<uint64_t>(type.basicsize);
                    PYXRAY_TRY(valid,
                               read_value<uint8_t>(memory, values + offsets.objects.dict_values.valid));
                    if (!valid) return Items{};
                    PYXRAY_TRY(keys, cached_keys());
                    return values_items(keys, values, max_items, used);
                }
                break;
            case ManagedDictFormat::None:
                break;
        }
        if (word == 0) return Items{};
        return collect_dict(word, max_items, used);
    }
    if (type.dictoffset == 0) return Items{};
    int64_t offset = type.dictoffset;
    if (offset < 0) {  // _PyObject_GetDictPtr: from the end of a variable-size object
        PYXRAY_TRY(size, read_value<int64_t>(memory, object + offsets.bytes_object.ob_size));
        auto from_end = dict_offset_from_end(type, size);
        if (!from_end)
            return fail(
                ErrorCode::BadData,
                fmt::format("bad negative tp_dictoffset {} (tp_basicsize {}, tp_itemsize {}, ob_size {})",
                            type.dictoffset, type.basicsize, type.itemsize, size),
                object);
        offset = *from_end;
    }
    PYXRAY_TRY(dict, read_pointer(memory, object + static_cast<uint64_t>(offset)));
    if (dict == 0) return Items{};
    return collect_dict(dict, max_items, used);
}

Result<std::vector<std::pair<std::string, uint64_t>>> Decoder::slot_values(uint64_t object,
                                                                           const TypeInfo& type) const {
    std::vector<std::pair<std::string, uint64_t>> out;
    const auto& m = offsets.objects.member_def;
    TypeInfo current = type;
    for (size_t depth = 0; depth < kMaxBaseChain && current.heap; ++depth) {
        std::vector<std::pair<std::string, uint64_t>> own;
        for (size_t i = 0; current.members != 0 && i < kMaxMembers; ++i) {
            uint64_t entry = current.members + i * m.size;
            PYXRAY_TRY(name_ptr, read_pointer(memory, entry + m.name));
            if (name_ptr == 0) break;
            PYXRAY_TRY(kind, read_value<int32_t>(memory, entry + m.type));
            PYXRAY_TRY(offset, read_value<int64_t>(memory, entry + m.offset));
            if (kind != kMemberObjectEx || offset <= 0 || offset >= current.basicsize) continue;
            PYXRAY_TRY(name, read_c_string(memory, name_ptr, 256));
            PYXRAY_TRY(value, read_pointer(memory, object + static_cast<uint64_t>(offset)));
            if (value != 0) own.emplace_back(std::move(name), value);
        }
        out.insert(out.begin(), own.begin(), own.end());  // base classes' slots first
        if (current.base == 0) break;
        PYXRAY_TRY(base, read_type(current.base));
        current = std::move(base);
    }
    return out;
}

Result<std::optional<uint64_t>> Decoder::attribute(uint64_t object, std::string_view name) const {
    PYXRAY_TRY(type, type_of(object));
    PYXRAY_TRY(slots, slot_values(object, type));
    for (const auto& [slot, value] : slots)
        if (slot == name) return std::optional<uint64_t>(value);
    PYXRAY_TRY(items, instance_namespace(object, type, kMaxDictEntries));
    return find_str_key(items, name);
}

void Decoder::append_instance(std::string& out, uint64_t object, const TypeInfo& type, size_t depth) {
    out += default_repr(object, type);
    if (!limits.verbose) return;
    ActiveGuard guard(*this, object);
    if (!guard.entered || depth >= limits.max_depth) {
        out += " {...}";
        return;
    }
    auto slots = slot_values(object, type);
    auto items = instance_namespace(object, type, limits.max_items);
    out += " {";
    size_t shown = 0;
    auto separator = [&] {
        if (shown++ > 0) out += ", ";
    };
    if (slots) {
        for (const auto& [name, value] : *slots) {
            separator();
            out += name + "=";
            append_repr(out, value, depth + 1);
        }
    }
    if (items) {
        for (const auto& [key, value] : *items) {
            separator();
            auto name = read_unicode(memory, offsets, key, limits.max_string);
            if (name)
                out += *name;
            else
                append_repr(out, key, depth + 1);
            out += "=";
            append_repr(out, value, depth + 1);
        }
    } else {
        separator();
        out += "<attributes unreadable>";
    }
    out += "}";
}

}  // namespace pyxray::objects

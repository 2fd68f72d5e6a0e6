// tuple, list, set and frozenset: items read in blocks, shown up to ReprLimits::max_items, each
// nested repr one level deeper; a container already being printed shows as Python's own
// recursion marker ([...], (...), set(...)).
#include <fmt/format.h>

#include <cstring>

#include "objects/decoder.hpp"

namespace pyxray::objects {

namespace {

constexpr int64_t kMaxSequenceSize = int64_t{1} << 31;
constexpr uint64_t kMaxSetTable = uint64_t{1} << 28;
constexpr size_t kSetBlock = 256;  // setentry records read at a time

}  // namespace

Result<std::vector<uint64_t>> read_pointers(const Memory& memory, uint64_t address, size_t count) {
    if (count == 0) return std::vector<uint64_t>();
    PYXRAY_TRY(bytes, read_bytes(memory, address, count * sizeof(uint64_t)));
    std::vector<uint64_t> out(count);
    std::memcpy(out.data(), bytes.data(), count * sizeof(uint64_t));
    return out;
}

void Decoder::append_sequence(std::string& out, uint64_t object, Family family, size_t depth) {
    bool tuple = family == Family::Tuple;
    const auto& layout = tuple ? offsets.objects.tuple_object : offsets.objects.list_object;
    const char* open = tuple ? "(" : "[";
    const char* close = tuple ? ")" : "]";
    ActiveGuard guard(*this, object);
    if (!guard.entered) {
        out += tuple ? "(...)" : "[...]";
        return;
    }
    auto size = read_value<int64_t>(memory, object + layout.ob_size);
    if (!size) {
        out += unreadable(object);
        return;
    }
    if (*size < 0 || *size > kMaxSequenceSize) {
        out += fmt::format("<{} at {}: bad size {}>", tuple ? "tuple" : "list", hex_address(object), *size);
        return;
    }
    uint64_t items_address = object + layout.ob_item;
    if (!tuple) {
        auto pointer = read_pointer(memory, items_address);
        if (!pointer) {
            out += unreadable(object);
            return;
        }
        items_address = *pointer;
    }
    size_t count = static_cast<size_t>(*size);
    size_t shown = std::min(count, limits.max_items);
    auto items = read_pointers(memory, items_address, shown);
    if (!items) {
        out += fmt::format("<{} at {}: {} item{} at {} unreadable>", tuple ? "tuple" : "list",
                           hex_address(object), shown, shown == 1 ? "" : "s", hex_address(items_address));
        return;
    }
    out += open;
    for (size_t i = 0; i < items->size(); ++i) {
        if (i > 0) out += ", ";
        append_repr(out, (*items)[i], depth + 1);
    }
    if (count > shown) out += fmt::format("{}...<+{} items>", shown > 0 ? ", " : "", count - shown);
    if (tuple && count == 1) out += ",";
    out += close;
}

Result<SetKeys> Decoder::set_keys(uint64_t set, size_t max_items) const {
    const auto& layout = offsets.objects.set_object;
    PYXRAY_TRY(used, read_value<int64_t>(memory, set + layout.used));
    PYXRAY_TRY(mask, read_value<uint64_t>(memory, set + layout.mask));
    PYXRAY_TRY(table, read_pointer(memory, set + layout.table));
    uint64_t slots = mask + 1;
    if (used < 0 || (slots & mask) != 0 || slots > kMaxSetTable || static_cast<uint64_t>(used) > slots)
        return fail(ErrorCode::BadData, fmt::format("the set at {} has a bad table", hex_address(set)), set);
    SetKeys out;
    out.used = static_cast<size_t>(used);
    for (uint64_t start = 0; start < slots && out.keys.size() < max_items; start += kSetBlock) {
        size_t block = static_cast<size_t>(std::min<uint64_t>(kSetBlock, slots - start));
        uint64_t at = table + start * layout.entry_size;
        auto bytes = read_bytes(memory, at, block * layout.entry_size);
        if (!bytes) {
            out.unreadable_at = at;
            break;
        }
        for (size_t i = 0; i < block && out.keys.size() < max_items; ++i) {
            uint64_t key = 0;
            int64_t hash = 0;
            std::memcpy(&key, bytes->data() + i * layout.entry_size + layout.entry_key, sizeof key);
            std::memcpy(&hash, bytes->data() + i * layout.entry_size + layout.entry_hash, sizeof hash);
            if (key != 0 && hash != -1) out.keys.push_back(key);  // not empty nor a deletion's dummy
        }
    }
    return out;
}

void Decoder::append_set(std::string& out, uint64_t object, const TypeInfo& type, Family family,
                         size_t depth) {
    bool exact_set = family == Family::Set && !type.heap;
    ActiveGuard guard(*this, object);
    if (!guard.entered) {
        out += type.name + "(...)";
        return;
    }
    auto keys = set_keys(object, limits.max_items);
    if (!keys) {
        out += keys.error().code == ErrorCode::BadData
                   ? fmt::format("<{} at {}: bad table>", type.name, hex_address(object))
                   : unreadable(object);
        return;
    }
    if (keys->used == 0) {
        out += type.name + "()";
        return;
    }
    out += exact_set ? "{" : type.name + "({";
    for (size_t i = 0; i < keys->keys.size(); ++i) {
        if (i > 0) out += ", ";
        append_repr(out, keys->keys[i], depth + 1);
    }
    if (keys->unreadable_at) out += (keys->keys.empty() ? "" : ", ") + unreadable(*keys->unreadable_at);
    size_t shown = keys->keys.size();
    if (keys->used > shown) out += fmt::format("{}...<+{} items>", shown > 0 ? ", " : "", keys->used - shown);
    out += exact_set ? "}" : "})";
}

}  // namespace pyxray::objects

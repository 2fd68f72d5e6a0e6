// ObjectReader: the public face of the object decoder, and the dispatch on an object's type
// family. Every request runs in a fresh Decoder with its own work budget.
#include "objects/object_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "interp/strings.hpp"
#include "objects/decoder.hpp"

namespace pyxray {

namespace objects {

std::string hex_address(uint64_t address) { return fmt::format("{:#x}", address); }

std::string unreadable(uint64_t address) { return fmt::format("<unreadable at {}>", hex_address(address)); }

Decoder::Decoder(const Memory& memory_in, const Offsets& offsets_in, const ReprLimits& limits_in)
    : memory(memory_in), offsets(offsets_in), limits(limits_in) {
    limits.max_depth = std::min(limits.max_depth, kMaxDepthCap);
    limits.max_string = std::min(limits.max_string, kMaxStringCap);
    limits.max_items = std::min(limits.max_items, kMaxItemsCap);
}

bool Decoder::enter(uint64_t address) {
    if (std::find(active_.begin(), active_.end(), address) != active_.end()) return false;
    active_.push_back(address);
    return true;
}

void Decoder::leave() {
    if (!active_.empty()) active_.pop_back();
}

std::string Decoder::repr(uint64_t address) {
    std::string out;
    append_repr(out, address, 0);
    return out;
}

namespace {

template <class F>
void append_or_marker(std::string& out, const Result<std::string>& text, F&& marker) {
    if (text)
        out += *text;
    else
        out += marker();
}

const char* container_name(Family family) {
    switch (family) {
        case Family::Tuple:
            return "tuple";
        case Family::List:
            return "list";
        case Family::Dict:
            return "dict";
        case Family::Set:
            return "set";
        case Family::FrozenSet:
            return "frozenset";
        case Family::Exception:
            return "exception";
        case Family::Cell:
            return "cell";
        default:
            return "object";
    }
}

bool is_container(Family family) {
    switch (family) {
        case Family::Tuple:
        case Family::List:
        case Family::Dict:
        case Family::Set:
        case Family::FrozenSet:
        case Family::Exception:
        case Family::Cell:
            return true;
        default:
            return false;
    }
}

}  // namespace

void Decoder::append_repr(std::string& out, uint64_t address, size_t depth) {
    if (work_ >= kWorkBudget || out.size() >= kMaxOutput) {
        out += "...<budget exhausted>";
        return;
    }
    ++work_;
    if (address == 0) {
        out += "<NULL>";
        return;
    }
    auto type = type_of(address);
    if (!type) {
        out += unreadable(address);
        return;
    }
    Family family = family_of(*type);
    auto fallback = [&] { return default_repr(address, *type); };
    if (is_container(family) && depth >= limits.max_depth) {
        out += fmt::format("<{} at {}: max depth>", container_name(family), hex_address(address));
        return;
    }
    switch (family) {
        case Family::None:
            out += "None";
            return;
        case Family::NotImplemented:
            out += "NotImplemented";
            return;
        case Family::Ellipsis:
            out += "Ellipsis";
            return;
        case Family::Bool: {
            auto value = int_value(address);
            append_or_marker(out,
                             value ? Result<std::string>(*value ? "True" : "False")
                                   : Result<std::string>(pyxray::unexpected(value.error())),
                             fallback);
            return;
        }
        case Family::Int:
            append_or_marker(out, int_repr(address), fallback);
            return;
        case Family::Float:
            append_or_marker(out, float_repr(address), fallback);
            return;
        case Family::Str:
            append_or_marker(out, str_repr(address), fallback);
            return;
        case Family::Bytes:
            append_or_marker(out, bytes_repr(address, false), fallback);
            return;
        case Family::ByteArray:
            append_or_marker(out, bytes_repr(address, true), fallback);
            return;
        case Family::Type:
            append_or_marker(out, type_repr(address), fallback);
            return;
        case Family::Function:
            append_or_marker(out, function_repr(address), fallback);
            return;
        case Family::Module:
            append_or_marker(out, module_repr(address), fallback);
            return;
        case Family::Code:
            append_or_marker(out, code_repr(address), fallback);
            return;
        case Family::Tuple:
        case Family::List:
            append_sequence(out, address, family, depth);
            return;
        case Family::Set:
        case Family::FrozenSet:
            append_set(out, address, *type, family, depth);
            return;
        case Family::Dict:
            append_dict(out, address, depth);
            return;
        case Family::Cell:
            append_cell(out, address, depth);
            return;
        case Family::Exception:
            append_exception(out, address, *type, depth);
            return;
        case Family::Instance:
            append_instance(out, address, *type, depth);
            return;
        case Family::Unknown:
            out += fallback();
            return;
    }
    out += fallback();
}

}  // namespace objects

ObjectReader::ObjectReader(const Memory& memory, const Offsets& offsets, ReprLimits limits)
    : memory_(memory), offsets_(offsets), limits_(limits) {}

std::string ObjectReader::repr(uint64_t address) const {
    objects::Decoder decoder(memory_, offsets_, limits_);
    return decoder.repr(address);
}

Result<std::string> ObjectReader::type_name(uint64_t address) const {
    return read_type_name(memory_, offsets_, address);
}

Result<int64_t> ObjectReader::int_value(uint64_t address) const {
    objects::Decoder decoder(memory_, offsets_, limits_);
    return decoder.int_value(address);
}

Result<std::string> ObjectReader::str_value(uint64_t address, size_t max_chars) const {
    return read_unicode(memory_, offsets_, address, max_chars);
}

Result<std::vector<std::pair<uint64_t, uint64_t>>> ObjectReader::dict_items(uint64_t dict,
                                                                            size_t max_items) const {
    objects::Decoder decoder(memory_, offsets_, limits_);
    return decoder.dict_items(dict, max_items);
}

Result<std::vector<uint64_t>> ObjectReader::set_items(uint64_t set, size_t max_items) const {
    objects::Decoder decoder(memory_, offsets_, limits_);
    PYXRAY_TRY(keys, decoder.set_keys(set, max_items));
    if (keys.unreadable_at)
        return fail(ErrorCode::Unreadable, fmt::format("the table of the set at {:#x} is unreadable", set),
                    *keys.unreadable_at);
    if (keys.used > keys.keys.size())
        return fail(ErrorCode::Truncated,
                    fmt::format("the set at {:#x} holds more than {} items", set, max_items), set);
    return std::move(keys.keys);
}

// A deque is a PyVarObject too, its ob_size its length (Modules/_collectionsmodule.c, 3.5+): at
// the list's ob_size offset, which is the shared header's.
Result<int64_t> ObjectReader::sequence_length(uint64_t sequence) const {
    PYXRAY_TRY(type, type_name(sequence));
    if (type != "tuple" && type != "list" && type != "collections.deque")
        return fail(ErrorCode::BadData,
                    fmt::format("{:#x} is a {}, not a list, tuple or deque", sequence, type), sequence);
    const auto& layout = type == "tuple" ? offsets_.objects.tuple_object : offsets_.objects.list_object;
    PYXRAY_TRY(size, read_value<int64_t>(memory_, sequence + layout.ob_size));
    if (size < 0)
        return fail(ErrorCode::BadData, fmt::format("the {} at {:#x} has size {}", type, sequence, size),
                    sequence);
    return size;
}

Result<std::vector<uint64_t>> ObjectReader::sequence_items(uint64_t sequence, size_t max_items) const {
    PYXRAY_TRY(type, type_name(sequence));
    bool tuple = type == "tuple";
    if (!tuple && type != "list")
        return fail(ErrorCode::BadData, fmt::format("{:#x} is a {}, not a list or tuple", sequence, type),
                    sequence);
    PYXRAY_TRY(size, sequence_length(sequence));
    const auto& layout = tuple ? offsets_.objects.tuple_object : offsets_.objects.list_object;
    if (static_cast<uint64_t>(size) > max_items)
        return fail(ErrorCode::Truncated,
                    fmt::format("the {} at {:#x} holds more than {} items", type, sequence, max_items),
                    sequence);
    uint64_t items = sequence + layout.ob_item;
    if (!tuple) {
        PYXRAY_TRY(array, read_pointer(memory_, items));
        items = array;
    }
    return objects::read_pointers(memory_, items, static_cast<size_t>(size));
}

Result<std::optional<uint64_t>> ObjectReader::dict_get(uint64_t dict, std::string_view key) const {
    objects::Decoder decoder(memory_, offsets_, limits_);
    return decoder.dict_get_str(dict, key);
}

Result<void> ObjectReader::check_object(uint64_t address) const {
    if (address == 0) return fail(ErrorCode::InvalidArgument, "NULL is not an object");
    auto type = read_pointer(memory_, address + offsets_.pyobject.ob_type);
    if (!type)
        return fail(ErrorCode::Unreadable, fmt::format("cannot read {:#x}: not an object", address), address);
    auto meta = *type == 0 ? Result<uint64_t>(0) : read_pointer(memory_, *type + offsets_.pyobject.ob_type);
    if (!meta || *meta == 0)
        return fail(
            ErrorCode::BadData,
            fmt::format("{:#x} is not an object: its type pointer {:#x} leads nowhere", address, *type),
            address);
    auto flags = read_value<uint64_t>(memory_, *meta + offsets_.objects.type.tp_flags);
    if (!flags || !(*flags & type_flags::kTypeSubclass))
        return fail(
            ErrorCode::BadData,
            fmt::format("{:#x} is not an object: what would be its type ({:#x}) is no type", address, *type),
            address);
    return {};
}

Result<std::optional<uint64_t>> ObjectReader::attribute(uint64_t object, std::string_view name) const {
    objects::Decoder decoder(memory_, offsets_, limits_);
    return decoder.attribute(object, name);
}

}  // namespace pyxray

// Types: reading a PyTypeObject, its module and qualified name, the repr of a type
// (type_repr) and object's default repr (object_repr), and which builtin repr a type uses.
#include <fmt/format.h>

#include <array>
#include <cstring>

#include "interp/strings.hpp"
#include "objects/decoder.hpp"

namespace pyxray::objects {

Result<TypeInfo> Decoder::read_type(uint64_t type) const {
    if (type == 0) return fail(ErrorCode::BadData, "NULL type");
    const auto& t = offsets.objects.type;
    TypeInfo info;
    info.address = type;
    PYXRAY_TRY(name_ptr, read_pointer(memory, type + offsets.type_object.tp_name));
    PYXRAY_TRY(name, read_c_string(memory, name_ptr, 256));
    info.name = std::move(name);
    PYXRAY_TRY(flags, read_value<uint64_t>(memory, type + t.tp_flags));
    info.flags = flags;
    info.heap = (flags & type_flags::kHeapType) != 0;
    PYXRAY_TRY(basicsize, read_value<int64_t>(memory, type + t.tp_basicsize));
    PYXRAY_TRY(itemsize, read_value<int64_t>(memory, type + t.tp_itemsize));
    PYXRAY_TRY(dictoffset, read_value<int64_t>(memory, type + t.tp_dictoffset));
    PYXRAY_TRY(base, read_pointer(memory, type + t.tp_base));
    PYXRAY_TRY(dict, read_pointer(memory, type + t.tp_dict));
    PYXRAY_TRY(members, read_pointer(memory, type + t.tp_members));
    info.basicsize = basicsize;
    info.itemsize = itemsize;
    info.dictoffset = dictoffset;
    info.base = base;
    info.dict = dict;
    info.members = members;
    return info;
}

Result<TypeInfo> Decoder::type_of(uint64_t object) const {
    PYXRAY_TRY(type, read_pointer(memory, object + offsets.pyobject.ob_type));
    return read_type(type);
}

namespace {

std::string_view after_last_dot(std::string_view name) {
    size_t dot = name.rfind('.');
    return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

struct NamedFamily {
    const char* name;
    Family family;
};

// Static (non-heap) builtin types by tp_name. A heap type of the same name is a user class.
constexpr std::array kStaticFamilies{
    NamedFamily{"NoneType", Family::None},
    NamedFamily{"NotImplementedType", Family::NotImplemented},
    NamedFamily{"ellipsis", Family::Ellipsis},
    NamedFamily{"bool", Family::Bool},
    NamedFamily{"int", Family::Int},
    NamedFamily{"float", Family::Float},
    NamedFamily{"str", Family::Str},
    NamedFamily{"bytes", Family::Bytes},
    NamedFamily{"bytearray", Family::ByteArray},
    NamedFamily{"tuple", Family::Tuple},
    NamedFamily{"list", Family::List},
    NamedFamily{"dict", Family::Dict},
    NamedFamily{"set", Family::Set},
    NamedFamily{"frozenset", Family::FrozenSet},
    NamedFamily{"type", Family::Type},
    NamedFamily{"function", Family::Function},
    NamedFamily{"module", Family::Module},
    NamedFamily{"code", Family::Code},
    NamedFamily{"cell", Family::Cell},
    NamedFamily{"object", Family::Instance},
};

Family static_family(const TypeInfo& type) {
    for (const auto& entry : kStaticFamilies)
        if (type.name == entry.name) return entry.family;
    if (type.flags & type_flags::kBaseExceptionSubclass) return Family::Exception;
    if (type.flags & type_flags::kTypeSubclass) return Family::Type;
    return Family::Unknown;
}

}  // namespace

Family Decoder::family_of(const TypeInfo& type) const {
    TypeInfo current = type;
    for (size_t i = 0; i < kMaxBaseChain; ++i) {
        if (!current.heap) return static_family(current);
        // A heap type that defines __repr__ prints through code pyxray cannot run.
        if (current.dict != 0) {
            auto own = dict_get_str(current.dict, "__repr__");
            if (!own || own->has_value()) return Family::Instance;
        }
        if (current.base == 0) return Family::Unknown;
        auto base = read_type(current.base);
        if (!base) return Family::Unknown;
        current = std::move(*base);
    }
    return Family::Unknown;
}

Result<std::string> Decoder::type_module(const TypeInfo& type) const {
    if (type.heap) {
        if (type.dict == 0) return fail(ErrorCode::BadData, "heap type without a dict", type.address);
        PYXRAY_TRY(module, dict_get_str(type.dict, "__module__"));
        if (!module) return fail(ErrorCode::BadData, "heap type without __module__", type.address);
        return read_unicode(memory, offsets, *module, 1024);
    }
    size_t dot = type.name.rfind('.');
    if (dot == std::string::npos) return std::string("builtins");
    return type.name.substr(0, dot);
}

Result<std::string> Decoder::type_qualname(const TypeInfo& type) const {
    if (type.heap) {
        PYXRAY_TRY(qualname, read_pointer(memory, type.address + offsets.objects.heap_type.ht_qualname));
        return read_unicode(memory, offsets, qualname, 1024);
    }
    return std::string(after_last_dot(type.name));
}

Result<std::string> Decoder::type_repr(uint64_t address) const {
    PYXRAY_TRY(type, read_type(address));
    auto module = type_module(type);
    PYXRAY_TRY(qualname, type_qualname(type));
    if (module && *module != "builtins") return fmt::format("<class '{}.{}'>", *module, qualname);
    return fmt::format("<class '{}'>", type.name);
}

std::string Decoder::default_repr(uint64_t object, const TypeInfo& type) const {
    auto module = type_module(type);
    auto qualname = type_qualname(type);
    if (module && qualname && *module != "builtins")
        return fmt::format("<{}.{} object at {}>", *module, *qualname, hex_address(object));
    return fmt::format("<{} object at {}>", type.name, hex_address(object));
}

}  // namespace pyxray::objects

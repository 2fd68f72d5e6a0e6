// Functions, modules, code objects and cells, as their tp_repr prints them:
//   <function QUALNAME at 0x...>                          (Objects/funcobject.c func_repr)
//   <module 'json' from '/usr/lib/python3.11/json/__init__.py'>, <module 'sys' (built-in)>
//       (importlib._bootstrap._module_repr, and its C twin in 3.12+: from __spec__ when set,
//        else __name__ and __file__)
//   <code object NAME at 0x..., file "FILE", line N>     (Objects/codeobject.c code_repr)
//   <cell at 0x...: TYPE object at 0x...>, <cell at 0x...: empty>   (Objects/cellobject.c)
#include <fmt/format.h>

#include "interp/strings.hpp"
#include "objects/decoder.hpp"

namespace pyxray::objects {

namespace {

bool is_none(const Decoder& decoder, uint64_t object) {
    if (object == 0) return true;
    auto type = decoder.type_of(object);
    return type && !type->heap && type->name == "NoneType";
}

bool is_true(const Decoder& decoder, uint64_t object) {
    auto type = decoder.type_of(object);
    if (!type || type->heap || type->name != "bool") return false;
    auto value = decoder.int_value(object);
    return value && *value != 0;
}

}  // namespace

Result<std::string> Decoder::function_repr(uint64_t object) const {
    PYXRAY_TRY(qualname, read_pointer(memory, object + offsets.objects.function_object.func_qualname));
    PYXRAY_TRY(name, read_unicode(memory, offsets, qualname, limits.max_string));
    return fmt::format("<function {} at {}>", name, hex_address(object));
}

Result<std::string> Decoder::code_repr(uint64_t object) const {
    PYXRAY_TRY(name_ptr, read_pointer(memory, object + offsets.code_object.name));
    PYXRAY_TRY(file_ptr, read_pointer(memory, object + offsets.code_object.filename));
    PYXRAY_TRY(line, read_value<int32_t>(memory, object + offsets.code_object.firstlineno));
    PYXRAY_TRY(name, read_unicode(memory, offsets, name_ptr, limits.max_string));
    PYXRAY_TRY(file, read_unicode(memory, offsets, file_ptr, kMaxStringChars));
    return fmt::format("<code object {} at {}, file \"{}\", line {}>", name, hex_address(object), file, line);
}

Result<std::string> Decoder::module_repr(uint64_t object) const {
    PYXRAY_TRY(dict, read_pointer(memory, object + offsets.objects.module_object.md_dict));
    PYXRAY_TRY(spec, dict_get_str(dict, "__spec__"));
    // Names and paths whole; a loader shown without descending into anything (depth 0, not
    // verbose), so a module reachable from its own loader cannot recurse.
    Decoder inner(memory, offsets, limits);
    inner.limits.max_string = kMaxStringChars;
    inner.limits.max_depth = 0;
    inner.limits.verbose = false;
    auto quoted = [&](uint64_t str) -> Result<std::string> { return inner.str_repr(str); };
    if (spec && !is_none(*this, *spec)) {
        PYXRAY_TRY(name, attribute(*spec, "name"));
        PYXRAY_TRY(origin, attribute(*spec, "origin"));
        PYXRAY_TRY(located, attribute(*spec, "_set_fileattr"));
        std::string name_text = "'?'";
        if (name && !is_none(*this, *name)) {
            PYXRAY_TRY(text, quoted(*name));
            name_text = text;
        }
        if (!origin || is_none(*this, *origin)) {
            PYXRAY_TRY(loader, attribute(*spec, "loader"));
            if (!loader || is_none(*this, *loader)) return fmt::format("<module {}>", name_text);
            // 3.8's builtin modules have no origin: BuiltinImporter.module_repr() speaks for them
            // (and FrozenImporter's for frozen ones), as _module_repr asks the loader first.
            if (auto loader_type = type_of(*loader);
                loader_type && (loader_type->flags & type_flags::kTypeSubclass)) {
                auto loader_class = read_type(*loader);
                auto qualname = loader_class ? type_qualname(*loader_class) : Result<std::string>("");
                if (qualname && *qualname == "BuiltinImporter")
                    return fmt::format("<module {} (built-in)>", name_text);
                if (qualname && *qualname == "FrozenImporter")
                    return fmt::format("<module {} (frozen)>", name_text);
            }
            return fmt::format("<module {} ({})>", name_text, inner.repr(*loader));
        }
        if (located && is_true(*this, *located)) {
            PYXRAY_TRY(origin_text, quoted(*origin));
            return fmt::format("<module {} from {}>", name_text, origin_text);
        }
        PYXRAY_TRY(origin_text, read_unicode(memory, offsets, *origin, kMaxStringChars));
        return fmt::format("<module {} ({})>", name_text, origin_text);
    }
    PYXRAY_TRY(name, dict_get_str(dict, "__name__"));
    std::string name_text = "'?'";
    if (name) {
        PYXRAY_TRY(text, quoted(*name));
        name_text = text;
    }
    PYXRAY_TRY(file, dict_get_str(dict, "__file__"));
    if (file) {
        PYXRAY_TRY(file_text, quoted(*file));
        return fmt::format("<module {} from {}>", name_text, file_text);
    }
    return fmt::format("<module {}>", name_text);
}

void Decoder::append_cell(std::string& out, uint64_t object, size_t) {
    auto ref = read_pointer(memory, object + offsets.objects.cell_object.ob_ref);
    if (!ref) {
        out += unreadable(object);
        return;
    }
    if (*ref == 0) {
        out += fmt::format("<cell at {}: empty>", hex_address(object));
        return;
    }
    auto type = type_of(*ref);
    out += fmt::format("<cell at {}: {} object at {}>", hex_address(object),
                       type ? type->name.substr(0, 80) : std::string("?"), hex_address(*ref));
}

}  // namespace pyxray::objects

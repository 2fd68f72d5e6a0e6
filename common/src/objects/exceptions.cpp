// Exceptions (BaseException and every subclass, by Py_TPFLAGS_BASE_EXCEPTION_SUBCLASS), as
// BaseException_repr prints them: the type's short name, then repr(args[0]) in parentheses
// for one argument, else repr(args): ValueError('bad', 42), KeyError('k'), RuntimeError().
#include <fmt/format.h>

#include "objects/decoder.hpp"

namespace pyxray::objects {

void Decoder::append_exception(std::string& out, uint64_t object, const TypeInfo& type, size_t depth) {
    std::string_view name = type.name;
    if (size_t dot = name.rfind('.'); dot != std::string_view::npos) name = name.substr(dot + 1);
    ActiveGuard guard(*this, object);
    if (!guard.entered) {
        out += std::string(name) + "(...)";
        return;
    }
    auto args = read_pointer(memory, object + offsets.objects.exception_object.args);
    if (!args) {
        out += unreadable(object);
        return;
    }
    out += name;
    if (*args == 0) {
        out += "()";
        return;
    }
    auto size = read_value<int64_t>(memory, *args + offsets.objects.tuple_object.ob_size);
    if (size && *size == 1) {
        auto first = read_pointer(memory, *args + offsets.objects.tuple_object.ob_item);
        out += "(";
        if (first)
            append_repr(out, *first, depth + 1);
        else
            out += unreadable(*args);
        out += ")";
        return;
    }
    append_repr(out, *args, depth + 1);
}

}  // namespace pyxray::objects

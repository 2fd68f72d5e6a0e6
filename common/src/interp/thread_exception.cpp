#include "interp/thread_exception.hpp"

#include <fmt/format.h>

#include <unordered_set>

namespace pyxray {
namespace {

// Nested except blocks and suspended generators each push one stack item; none nests deeper
// than the recursion limit allows, so a longer chain is a corrupt one.
constexpr size_t kMaxStackItems = 100000;
constexpr size_t kMaxMessageChars = 1000;

bool is_none(const ObjectReader& objects, uint64_t object) {
    auto type = objects.type_name(object);
    return type && *type == "NoneType";
}

// str(arg) for a str, repr(arg) otherwise: what str() of a one-argument exception prints.
std::string text_of(const ObjectReader& objects, uint64_t object) {
    auto type = objects.type_name(object);
    if (type && *type == "str")
        if (auto text = objects.str_value(object, kMaxMessageChars)) return *text;
    return objects.repr(object);
}

// BaseException.__str__: "" without arguments, str(args[0]) with one, str(args) with more.
std::string exception_message(const Memory& memory, const Offsets& offsets, const ObjectReader& objects,
                              uint64_t exception) {
    auto args = read_pointer(memory, exception + offsets.objects.exception_object.args);
    if (!args) return fmt::format("<args unreadable at {:#x}>", exception);
    if (*args == 0) return "";
    auto size = read_value<int64_t>(memory, *args + offsets.objects.tuple_object.ob_size);
    if (size && *size == 0) return "";
    if (size && *size == 1) {
        auto first = read_pointer(memory, *args + offsets.objects.tuple_object.ob_item);
        if (first) return text_of(objects, *first);
    }
    return objects.repr(*args);
}

ThreadException describe(const Memory& memory, const Offsets& offsets, const ObjectReader& objects,
                         uint64_t exception, ThreadException::State state) {
    ThreadException out;
    out.state = state;
    auto type = objects.type_name(exception);
    out.type = type ? *type : fmt::format("<unreadable type of {:#x}>", exception);
    out.message = exception_message(memory, offsets, objects, exception);
    return out;
}

// tp_name of a type object (the raised exception's type before 3.12, whose value may not be
// an instance of it yet).
std::string name_of_type(const Memory& memory, const Offsets& offsets, uint64_t type) {
    auto name = read_pointer(memory, type + offsets.type_object.tp_name);
    auto text = name ? read_c_string(memory, *name) : Result<std::string>(pyxray::unexpected(name.error()));
    return text ? *text : fmt::format("<unreadable type at {:#x}>", type);
}

// Before 3.12 PyErr_SetString leaves curexc_value as the plain message until the exception is
// normalized; the type is then curexc_type's, the message that value.
Result<std::optional<ThreadException>> raised_exception(const Memory& memory, const Offsets& offsets,
                                                        const ExceptionStateOffsets& e,
                                                        const ObjectReader& objects, uint64_t tstate) {
    PYXRAY_TRY(value, read_pointer(memory, tstate + e.raised_value));
    uint64_t type = 0;
    if (e.raised_type) {
        PYXRAY_TRY(read, read_pointer(memory, tstate + *e.raised_type));
        type = read;
    }
    if (value == 0 && type == 0) return std::nullopt;
    ThreadException::State raising = ThreadException::State::Raising;
    if (type == 0) return describe(memory, offsets, objects, value, raising);
    ThreadException out{raising, name_of_type(memory, offsets, type), ""};
    auto value_type = value != 0 ? objects.type_name(value) : Result<std::string>("");
    if (value != 0 && value_type && *value_type == out.type)
        out.message = exception_message(memory, offsets, objects, value);
    else if (value != 0 && !is_none(objects, value))
        out.message = text_of(objects, value);
    return out;
}

// The innermost stack item whose exception is set: generators and coroutines push items whose
// value stays NULL (or None) until they catch something, as _PyErr_GetTopmostException skips.
Result<std::optional<ThreadException>> handled_exception(const Memory& memory, const Offsets& offsets,
                                                         const ExceptionStateOffsets& e,
                                                         const ObjectReader& objects, uint64_t tstate) {
    PYXRAY_TRY(item, read_pointer(memory, tstate + e.exc_info));
    std::unordered_set<uint64_t> visited;
    while (item != 0) {
        if (!visited.insert(item).second || visited.size() > kMaxStackItems)
            return fail(
                ErrorCode::BadData,
                fmt::format("the exception stack of thread state {:#x} loops or runs past {} items at {:#x}",
                            tstate, kMaxStackItems, item));
        PYXRAY_TRY(value, read_pointer(memory, item + e.item_value));
        if (value != 0 && !is_none(objects, value))
            return describe(memory, offsets, objects, value, ThreadException::State::Handling);
        PYXRAY_TRY(previous, read_pointer(memory, item + e.item_previous));
        item = previous;
    }
    return std::nullopt;
}

}  // namespace

Result<std::optional<ThreadException>> read_thread_exception(const Memory& memory, const Offsets& offsets,
                                                             const ObjectReader& objects, uint64_t tstate) {
    if (!offsets.exception_state)
        return fail(ErrorCode::Unsupported,
                    "this CPython layout does not say where thread states keep exceptions");
    const ExceptionStateOffsets& e = *offsets.exception_state;
    PYXRAY_TRY(raised, raised_exception(memory, offsets, e, objects, tstate));
    if (raised) return raised;
    return handled_exception(memory, offsets, e, objects, tstate);
}

}  // namespace pyxray

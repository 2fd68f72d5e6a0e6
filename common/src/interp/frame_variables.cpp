#include "interp/frame_variables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "interp/strings.hpp"

namespace pyxray {
namespace {

// Include/cpython/code.h (CO_OPTIMIZED) and Include/internal/pycore_code.h (the kinds).
constexpr int32_t kCoOptimized = 0x0001;
constexpr uint8_t kFastHidden = 0x10;  // 3.12+ (PEP 709): an inlined comprehension's variable
constexpr uint8_t kFastCell = 0x40;
constexpr uint8_t kFastFree = 0x80;

enum class Slot { Local, Cell, Free, Hidden };

struct NamedSlots {
    std::vector<uint64_t> names;  // str objects
    std::vector<Slot> kinds;
};

Result<std::vector<uint64_t>> tuple_items(const Memory& memory, const Offsets& offsets, uint64_t tuple) {
    const auto& layout = offsets.objects.tuple_object;
    if (tuple == 0) return std::vector<uint64_t>{};
    PYXRAY_TRY(size, read_value<int64_t>(memory, tuple + layout.ob_size));
    if (size < 0 || static_cast<uint64_t>(size) > kMaxFrameVariables)
        return fail(ErrorCode::BadData, fmt::format("implausible tuple size {} at {:#x}", size, tuple),
                    tuple);
    std::vector<uint64_t> items(static_cast<size_t>(size));
    if (!items.empty())
        PYXRAY_TRY_VOID(memory.read(tuple + layout.ob_item, std::as_writable_bytes(std::span(items))));
    return items;
}

Slot slot_of_kind(uint8_t kind) {
    if (kind & kFastHidden) return Slot::Hidden;
    if (kind & kFastFree) return Slot::Free;
    if (kind & kFastCell) return Slot::Cell;
    return Slot::Local;
}

// 3.11+: one names tuple, one kinds bytes object, in localsplus order.
Result<NamedSlots> localsplus_slots(const Memory& memory, const Offsets& offsets, uint64_t code) {
    const auto& layout = offsets.frame_variables;
    PYXRAY_TRY(names_tuple, read_pointer(memory, code + layout.code_local_names));
    PYXRAY_TRY(kinds_bytes, read_pointer(memory, code + *layout.code_local_kinds));
    PYXRAY_TRY(names, tuple_items(memory, offsets, names_tuple));
    PYXRAY_TRY(kinds, read_bytes_object(memory, offsets, kinds_bytes, kMaxFrameVariables));
    if (kinds.size() != names.size())
        return fail(ErrorCode::BadData,
                    fmt::format("code object {:#x} names {} variables but has {} kinds", code, names.size(),
                                kinds.size()),
                    code);
    NamedSlots slots{std::move(names), {}};
    for (uint8_t kind : kinds) slots.kinds.push_back(slot_of_kind(kind));
    return slots;
}

// 3.8-3.10: co_varnames, then co_cellvars, then co_freevars, laid out in f_localsplus in
// that order.
Result<NamedSlots> legacy_slots(const Memory& memory, const Offsets& offsets, uint64_t code) {
    const auto& layout = offsets.frame_variables;
    NamedSlots slots;
    std::pair<uint64_t, Slot> groups[] = {{layout.code_local_names, Slot::Local},
                                          {*layout.code_cell_names, Slot::Cell},
                                          {*layout.code_free_names, Slot::Free}};
    for (const auto& [field, kind] : groups) {
        PYXRAY_TRY(tuple, read_pointer(memory, code + field));
        PYXRAY_TRY(names, tuple_items(memory, offsets, tuple));
        if (slots.names.size() + names.size() > kMaxFrameVariables)
            return fail(ErrorCode::BadData, fmt::format("code object {:#x} has too many variables", code),
                        code);
        slots.names.insert(slots.names.end(), names.begin(), names.end());
        slots.kinds.insert(slots.kinds.end(), names.size(), kind);
    }
    return slots;
}

// A cell or free variable slot holds a cell once the frame has started (MAKE_CELL,
// COPY_FREE_VARS); before that a cell slot may still hold the argument itself.
Result<uint64_t> cell_contents(const Memory& memory, const Offsets& offsets, const ObjectReader& objects,
                               uint64_t value) {
    auto type = objects.type_name(value);
    if (!type || *type != "cell") return value;
    return read_pointer(memory, value + offsets.objects.cell_object.ob_ref);
}

// f_locals is a dict: setting a name again keeps its place, an unbound one removes it.
void assign(std::vector<FrameVariable>& locals, std::string name, uint64_t value) {
    auto found = std::find_if(locals.begin(), locals.end(), [&](const auto& v) { return v.name == name; });
    if (value == 0) {
        if (found != locals.end()) locals.erase(found);
    } else if (found != locals.end()) {
        found->object = value;
    } else {
        locals.push_back({std::move(name), value});
    }
}

Result<std::vector<FrameVariable>> fast_locals(const Memory& memory, const Offsets& offsets,
                                               const ObjectReader& objects, uint64_t frame, uint64_t code) {
    auto slots =
        offsets.frame_object ? legacy_slots(memory, offsets, code) : localsplus_slots(memory, offsets, code);
    if (!slots) return pyxray::unexpected(slots.error());
    std::vector<uint64_t> values(slots->names.size());
    if (!values.empty())
        PYXRAY_TRY_VOID(memory.read(frame + offsets.frame_variables.localsplus,
                                    std::as_writable_bytes(std::span(values))));
    // 3.14+: each slot is a _PyStackRef whose low bits are tags, not address.
    uint64_t tag_bits = offsets.interpreter_frame.stackref_tag_bits;
    std::vector<FrameVariable> locals;
    for (size_t i = 0; i < values.size(); ++i) {
        if (slots->kinds[i] == Slot::Hidden) continue;
        uint64_t value = values[i] & ~tag_bits;
        if (value != 0 && slots->kinds[i] != Slot::Local) {
            PYXRAY_TRY(contents, cell_contents(memory, offsets, objects, value));
            value = contents;
        }
        auto name = objects.str_value(slots->names[i]);
        if (!name) return pyxray::unexpected(name.error());
        assign(locals, std::move(*name), value);
    }
    return locals;
}

// Module and class bodies keep their variables in the f_locals mapping, not in fast slots.
Result<std::vector<FrameVariable>> mapping_locals(const ObjectReader& objects, uint64_t mapping) {
    std::vector<FrameVariable> locals;
    if (mapping == 0) return locals;
    PYXRAY_TRY(items, objects.dict_items(mapping, kMaxFrameVariables));
    for (const auto& [key, value] : items) {
        auto name = objects.str_value(key);
        locals.push_back({name ? std::move(*name) : objects.repr(key), value});
    }
    return locals;
}

// 3.11+: the value stack follows co_nlocalsplus slots, as many as co_localsplusnames names.
Result<uint64_t> value_stack_base(const Memory& memory, const Offsets& offsets, uint64_t frame,
                                  uint64_t code) {
    const auto& layout = offsets.frame_variables;
    if (layout.valuestack) return read_pointer(memory, frame + *layout.valuestack);
    PYXRAY_TRY(names_tuple, read_pointer(memory, code + layout.code_local_names));
    PYXRAY_TRY(count, read_value<int64_t>(memory, names_tuple + offsets.objects.tuple_object.ob_size));
    if (count < 0 || static_cast<uint64_t>(count) > kMaxFrameVariables)
        return fail(ErrorCode::BadData,
                    fmt::format("implausible variable count {} of code {:#x}", count, code), code);
    return frame + layout.localsplus + 8 * static_cast<uint64_t>(count);
}

// How many slots are live, where the frame saved its top and that top is in the stack.
std::optional<uint64_t> saved_depth(const Memory& memory, const Offsets& offsets, uint64_t frame,
                                    uint64_t base, uint64_t stacksize, bool in_python_call) {
    const auto& layout = offsets.frame_variables;
    uint64_t top = 0;
    if (layout.stackpointer) {
        top = read_pointer(memory, frame + *layout.stackpointer).value_or(0);
    } else if (layout.stacktop_index && in_python_call) {
        auto index = read_value<int32_t>(memory, frame + *layout.stacktop_index);
        if (!index || *index < 0) return std::nullopt;
        top = frame + layout.localsplus + 8 * static_cast<uint64_t>(*index);
    }
    if (top < base || top > base + 8 * stacksize || (top - base) % 8 != 0) return std::nullopt;
    return (top - base) / 8;
}

}  // namespace

Result<ValueStack> read_value_stack(const Memory& memory, const Offsets& offsets, uint64_t frame,
                                    uint64_t code, bool in_python_call) {
    PYXRAY_TRY(stacksize, read_value<int32_t>(memory, code + offsets.frame_variables.code_stacksize));
    if (stacksize < 0 || static_cast<uint64_t>(stacksize) > kMaxFrameVariables)
        return fail(ErrorCode::BadData,
                    fmt::format("implausible co_stacksize {} of code {:#x}", stacksize, code), code);
    PYXRAY_TRY(base, value_stack_base(memory, offsets, frame, code));
    auto depth = saved_depth(memory, offsets, frame, base, static_cast<uint64_t>(stacksize), in_python_call);
    ValueStack stack{std::vector<uint64_t>(depth.value_or(static_cast<uint64_t>(stacksize))),
                     depth.has_value()};
    if (!stack.slots.empty())
        PYXRAY_TRY_VOID(memory.read(base, std::as_writable_bytes(std::span(stack.slots))));
    for (auto& slot : stack.slots) slot &= ~offsets.interpreter_frame.stackref_tag_bits;
    return stack;
}

Result<FrameNamespaces> read_frame_namespaces(const Memory& memory, const Offsets& offsets,
                                              const ObjectReader& objects, uint64_t frame, uint64_t code) {
    const auto& layout = offsets.frame_variables;
    FrameNamespaces namespaces;
    PYXRAY_TRY(globals, read_pointer(memory, frame + layout.globals));
    PYXRAY_TRY(builtins, read_pointer(memory, frame + layout.builtins));
    PYXRAY_TRY(mapping, read_pointer(memory, frame + layout.locals));
    PYXRAY_TRY(flags, read_value<int32_t>(memory, code + layout.code_flags));
    namespaces.globals = globals;
    namespaces.builtins = builtins;
    auto locals = (flags & kCoOptimized) ? fast_locals(memory, offsets, objects, frame, code)
                                         : mapping_locals(objects, mapping);
    if (!locals) return pyxray::unexpected(locals.error());
    namespaces.locals = std::move(*locals);
    return namespaces;
}

}  // namespace pyxray

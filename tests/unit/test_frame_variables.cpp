// A frame's variables read as f_locals shows them, on synthetic images of every version:
// fast locals, cells and free variables (dereferenced), unbound slots left out, 3.12+ hidden
// comprehension variables skipped, 3.14+ tagged _PyStackRef slots, and the f_locals mapping
// of module-level code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "interp/frame_variables.hpp"
#include "object_image.hpp"

namespace {

using pyxray::FrameNamespaces;
using pyxray::ObjectReader;
using pyxray::Offsets;
using synthetic::ObjectImage;

constexpr int32_t kOptimized = 0x0001;
constexpr uint8_t kLocal = 0x20, kCell = 0x40, kFree = 0x80, kHidden = 0x10;

struct Version {
    const char* name;
    const Offsets& (*table)();
    int minor;
};

const Version kVersions[] = {
    {"3.8", pyxray::offsets_3_8, 8},      {"3.9", pyxray::offsets_3_9, 9},
    {"3.10", pyxray::offsets_3_10, 10},   {"3.11", pyxray::offsets_3_11, 11},
    {"3.12", pyxray::offsets_3_12, 12},   {"3.13", pyxray::offsets_3_13, 13},
    {"3.13t", pyxray::offsets_3_13t, 13}, {"3.14", pyxray::offsets_3_14, 14},
    {"3.14t", pyxray::offsets_3_14t, 14}, {"3.15", pyxray::offsets_3_15, 15},
    {"3.15t", pyxray::offsets_3_15t, 15},
};

class FrameVariables : public ::testing::TestWithParam<Version> {};

struct Slot {
    std::string name;
    uint8_t kind;    // 3.11+ kind bits; before 3.11 kLocal, kCell or kFree picks the names tuple
    uint64_t value;  // 0: unbound
};

// A code object and a frame holding `slots` in its fast-locals area (in the version's order:
// before 3.11 locals, then cells, then free variables).
struct Built {
    uint64_t frame = 0, code = 0;
};

Built build(ObjectImage& image, const std::vector<Slot>& slots, int32_t flags, uint64_t f_locals = 0) {
    const Offsets& o = image.offsets();
    uint64_t code = image.object(image.builtin("code"), 1024);
    image.put<int32_t>(code + o.frame_variables.code_flags, flags);
    std::vector<uint64_t> names[3];
    std::string kinds;
    for (const auto& slot : slots) {
        names[slot.kind & kFree ? 2 : slot.kind & kCell ? 1 : 0].push_back(image.str(slot.name));
        kinds.push_back(static_cast<char>(slot.kind));
    }
    if (o.frame_variables.code_local_kinds) {
        std::vector<uint64_t> all;
        for (const auto& slot : slots) all.push_back(image.str(slot.name));
        image.put<uint64_t>(code + o.frame_variables.code_local_names, image.tuple(all));
        image.put<uint64_t>(code + *o.frame_variables.code_local_kinds, image.bytes(kinds));
    } else {
        image.put<uint64_t>(code + o.frame_variables.code_local_names, image.tuple(names[0]));
        image.put<uint64_t>(code + *o.frame_variables.code_cell_names, image.tuple(names[1]));
        image.put<uint64_t>(code + *o.frame_variables.code_free_names, image.tuple(names[2]));
    }
    uint64_t frame = image.alloc(o.frame_variables.localsplus + 8 * slots.size() + 64);
    for (size_t i = 0; i < slots.size(); ++i)
        image.put<uint64_t>(frame + o.frame_variables.localsplus + 8 * i, slots[i].value);
    image.put<uint64_t>(frame + o.frame_variables.locals, f_locals);
    return {frame, code};
}

uint64_t cell(ObjectImage& image, uint64_t contents) {
    uint64_t address = image.object(image.builtin("cell"), 64);
    image.put<uint64_t>(address + image.offsets().objects.cell_object.ob_ref, contents);
    return address;
}

std::vector<std::pair<std::string, std::string>> shown(const FrameNamespaces& namespaces,
                                                       const ObjectReader& reader) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& variable : namespaces.locals)
        out.emplace_back(variable.name, reader.repr(variable.object));
    return out;
}

TEST_P(FrameVariables, LocalsCellsAndFreeVariablesInFLocalsOrder) {
    const Offsets& o = GetParam().table();
    ObjectImage image(o);
    // 3.14+: a slot is a _PyStackRef; a deferred reference sets the low tag bit(s).
    uint64_t tag = o.interpreter_frame.stackref_tag_bits & 1;
    uint64_t item = image.small_int(3);
    std::vector<Slot> slots = {
        {"item", kLocal, item | tag},          {"unbound", kLocal, 0},
        {"text", kLocal, image.str("t")},      {"counter", kCell, cell(image, image.small_int(7))},
        {"empty_cell", kCell, cell(image, 0)}, {"outer", kFree, cell(image, image.str("o"))}};
    if (GetParam().minor >= 12)
        slots.insert(slots.begin() + 2, Slot{"hidden", kLocal | kHidden, image.str("h")});
    Built built = build(image, slots, kOptimized);
    auto memory = image.finish();
    ObjectReader reader(*memory, o);
    auto namespaces = pyxray::read_frame_namespaces(*memory, o, reader, built.frame, built.code);
    ASSERT_TRUE(namespaces) << namespaces.error().message;
    std::vector<std::pair<std::string, std::string>> expected = {
        {"item", "3"}, {"text", "'t'"}, {"counter", "7"}, {"outer", "'o'"}};
    EXPECT_EQ(shown(*namespaces, reader), expected);
}

TEST_P(FrameVariables, ModuleLevelCodeShowsItsNamespace) {
    const Offsets& o = GetParam().table();
    ObjectImage image(o);
    uint64_t globals =
        image.dict({{image.str("HOUR"), image.floating(3600.0)}, {image.str("name"), image.str("m")}}, true);
    Built built = build(image, {}, 0, globals);
    image.put<uint64_t>(built.frame + o.frame_variables.globals, globals);
    auto memory = image.finish();
    ObjectReader reader(*memory, o);
    auto namespaces = pyxray::read_frame_namespaces(*memory, o, reader, built.frame, built.code);
    ASSERT_TRUE(namespaces) << namespaces.error().message;
    std::vector<std::pair<std::string, std::string>> expected = {{"HOUR", "3600.0"}, {"name", "'m'"}};
    EXPECT_EQ(shown(*namespaces, reader), expected);
    EXPECT_EQ(namespaces->globals, globals);
    auto found = reader.dict_get(namespaces->globals, "HOUR");
    ASSERT_TRUE(found && *found);
    EXPECT_EQ(reader.repr(**found), "3600.0");
}

TEST_P(FrameVariables, DamagedCodeObjectsFailWithAReason) {
    const Offsets& o = GetParam().table();
    ObjectImage image(o);
    Built built = build(image, {{"a", kLocal, image.small_int(1)}}, kOptimized);
    uint64_t names_field = built.code + o.frame_variables.code_local_names;
    image.put<uint64_t>(names_field, 0x10);  // a names tuple that cannot be read
    auto memory = image.finish();
    ObjectReader reader(*memory, o);
    auto namespaces = pyxray::read_frame_namespaces(*memory, o, reader, built.frame, built.code);
    EXPECT_FALSE(namespaces);
    auto unreadable = pyxray::read_frame_namespaces(*memory, o, reader, 0x20, built.code);
    EXPECT_FALSE(unreadable);
}

// The value stack follows the fast locals (3.8-3.10: where f_valuestack points). Its saved top
// counts only where CPython keeps it current: 3.11-3.13 in a frame suspended in a Python call
// (3.12+ store -1 once the frame runs again), 3.14+ always (NULL while running).
TEST_P(FrameVariables, ValueStackIsExactOnlyWhereTheTopWasSaved) {
    const Offsets& o = GetParam().table();
    const auto& layout = o.frame_variables;
    ObjectImage image(o);
    Built built =
        build(image, {{"a", kLocal, image.small_int(1)}, {"b", kLocal, image.small_int(2)}}, kOptimized);
    image.put<int32_t>(built.code + layout.code_stacksize, 4);
    uint64_t base = built.frame + layout.localsplus + 16;
    uint64_t exit_method = image.str("exit"), manager = image.str("manager"), stale = image.str("stale");
    uint64_t tag = o.interpreter_frame.stackref_tag_bits & 1;
    for (uint64_t value : {exit_method | tag, manager, stale, stale}) {
        image.put<uint64_t>(base, value);
        base += 8;
    }
    base -= 32;
    if (layout.valuestack) image.put<uint64_t>(built.frame + *layout.valuestack, base);
    uint64_t top = base + 16;  // two live slots
    if (layout.stackpointer) image.put<uint64_t>(built.frame + *layout.stackpointer, top);
    if (layout.stacktop_index) image.put<int32_t>(built.frame + *layout.stacktop_index, 2 + 2);
    auto memory = image.finish();
    std::vector<uint64_t> live = {exit_method, manager}, all = {exit_method, manager, stale, stale};
    for (bool in_python_call : {false, true}) {
        SCOPED_TRACE(in_python_call ? "in a Python call" : "running");
        auto stack = pyxray::read_value_stack(*memory, o, built.frame, built.code, in_python_call);
        ASSERT_TRUE(stack) << stack.error().message;
        bool exact = layout.stackpointer.has_value() || (layout.stacktop_index && in_python_call);
        EXPECT_EQ(stack->exact, exact);
        EXPECT_EQ(stack->slots, exact ? live : all);
    }
}

INSTANTIATE_TEST_SUITE_P(Every, FrameVariables, ::testing::ValuesIn(kVersions), [](const auto& info) {
    std::string name = info.param.name;
    for (char& c : name)
        if (c == '.') c = '_';
    return "v" + name;
});

}  // namespace

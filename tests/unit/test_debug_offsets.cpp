// CPython 3.13's own offsets table (_Py_DebugOffsets): pyxray's compiled-in 3.13 tables must
// agree with the one every live 3.13 build of the matrix carries (the default table with the
// default builds, the free-threaded one with 3.13t), and damaged or mismatched tables must be
// refused by name.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "interp/runtime_locator.hpp"
#include "layout/debug_offsets.hpp"
#include "live_python.hpp"
#include "matrix_interpreters.hpp"
#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"
#include "pyxray/target.hpp"
#include "synthetic_debug_offsets.hpp"

namespace {

using pyxray::Offsets;
using Table = pyxray::mirror::DebugOffsets313;

using pyxray::testing::LivePython;
using pyxray::testing::locate_in;

// Every field both the compiled-in table and _Py_DebugOffsets describe.
void expect_agrees(const Offsets& o, const Table& t) {
    EXPECT_EQ(o.runtime_state.interpreters_head, t.runtime_state.interpreters_head);
    EXPECT_EQ(o.interpreter_state.id, t.interpreter_state.id);
    EXPECT_EQ(o.interpreter_state.next, t.interpreter_state.next);
    EXPECT_EQ(o.interpreter_state.threads_head, t.interpreter_state.threads_head);
    EXPECT_EQ(o.thread_state.next, t.thread_state.next);
    EXPECT_EQ(o.thread_state.interp, t.thread_state.interp);
    EXPECT_EQ(o.thread_state.current_frame, t.thread_state.current_frame);
    EXPECT_FALSE(o.thread_state.cframe.has_value());
    EXPECT_EQ(o.thread_state.thread_id, t.thread_state.thread_id);
    EXPECT_EQ(o.thread_state.native_thread_id, t.thread_state.native_thread_id);
    EXPECT_EQ(o.interpreter_frame.size, t.interpreter_frame.localsplus);
    EXPECT_EQ(o.interpreter_frame.previous, t.interpreter_frame.previous);
    EXPECT_EQ(o.interpreter_frame.executable, t.interpreter_frame.executable);
    EXPECT_EQ(o.interpreter_frame.instr_ptr, t.interpreter_frame.instr_ptr);
    EXPECT_EQ(o.interpreter_frame.owner, t.interpreter_frame.owner);
    EXPECT_EQ(o.code_object.size, t.code_object.co_code_adaptive);
    EXPECT_EQ(o.code_object.filename, t.code_object.filename);
    EXPECT_EQ(o.code_object.name, t.code_object.name);
    EXPECT_EQ(o.code_object.qualname, t.code_object.qualname);
    EXPECT_EQ(o.code_object.linetable, t.code_object.linetable);
    EXPECT_EQ(o.code_object.firstlineno, t.code_object.firstlineno);
    EXPECT_EQ(o.code_object.co_code_adaptive, t.code_object.co_code_adaptive);
    EXPECT_EQ(o.pyobject.ob_type, t.pyobject.ob_type);
    EXPECT_EQ(o.type_object.tp_name, t.type_object.tp_name);
    EXPECT_EQ(o.bytes_object.ob_size, t.bytes_object.ob_size);
    EXPECT_EQ(o.bytes_object.ob_sval, t.bytes_object.ob_sval);
    EXPECT_EQ(o.unicode_object.state, t.unicode_object.state);
    EXPECT_EQ(o.unicode_object.length, t.unicode_object.length);
    EXPECT_EQ(o.unicode_object.ascii_size, t.unicode_object.asciiobject_size);
    // The object decoder's fields (layout/object_offsets.hpp).
    EXPECT_EQ(o.objects.type.tp_flags, t.type_object.tp_flags);
    EXPECT_EQ(o.objects.tuple_object.ob_size, t.tuple_object.ob_size);
    EXPECT_EQ(o.objects.tuple_object.ob_item, t.tuple_object.ob_item);
    EXPECT_EQ(o.objects.list_object.ob_size, t.list_object.ob_size);
    EXPECT_EQ(o.objects.list_object.ob_item, t.list_object.ob_item);
    EXPECT_EQ(o.objects.dict_object.ma_keys, t.dict_object.ma_keys);
    EXPECT_EQ(o.objects.dict_object.ma_values, t.dict_object.ma_values);
    EXPECT_EQ(o.objects.float_object.ob_fval, t.float_object.ob_fval);
    EXPECT_EQ(o.objects.long_object.size_or_tag, t.long_object.lv_tag);
    EXPECT_EQ(o.objects.long_object.digits, t.long_object.ob_digit);
}

// One 3.13 build of the matrix and the compiled-in table that must describe it.
struct Build313 {
    const char* id;
    bool free_threaded;
};

void PrintTo(const Build313& build, std::ostream* out) { *out << build.id; }

const Offsets& compiled_in_table(const Build313& build) {
    return build.free_threaded ? pyxray::offsets_3_13t() : pyxray::offsets_3_13();
}

class Live313 : public ::testing::TestWithParam<Build313> {};

TEST_P(Live313, CompiledInTableAgreesWithTheTargetsDebugOffsets) {
    const Build313& build = GetParam();
    PYXRAY_REQUIRE_PYTHON(executable, build.id);
    LivePython python(executable.c_str());
    ASSERT_TRUE(python.ready()) << "could not start " << executable;
    auto located = locate_in(python.pid(), executable);
    ASSERT_TRUE(located) << located.error().message;
    EXPECT_EQ(located->info.version.rfind("3.13.", 0), 0u) << located->info.version;
    EXPECT_EQ(located->info.free_threaded, build.free_threaded);
    // The table was read and accepted, not replaced by the compiled-in one.
    EXPECT_EQ(located->layout_note, "layout from the target's _Py_DebugOffsets");
    EXPECT_NE(located->offsets, &compiled_in_table(build));

    auto memory = pyxray::make_process_memory(python.pid());
    auto table = pyxray::read_debug_offsets_table(*memory, located->info.runtime_address);
    ASSERT_TRUE(table) << table.error().message;
    EXPECT_EQ(std::string(table->cookie, 8), "xdebugpy");
    EXPECT_EQ(table->version, located->info.version_hex);
    EXPECT_EQ(table->free_threaded, build.free_threaded ? 1u : 0u);
    expect_agrees(compiled_in_table(build), *table);
    expect_agrees(*located->offsets, *table);
    // What the table lacks comes from the compiled-in one.
    EXPECT_EQ(located->offsets->code_object.firsttraceable,
              compiled_in_table(build).code_object.firsttraceable);
    EXPECT_EQ(located->offsets->unicode_object.compact_size,
              compiled_in_table(build).unicode_object.compact_size);
}

INSTANTIATE_TEST_SUITE_P(EveryMatrixBuild, Live313,
                         ::testing::Values(Build313{"pyenv-3.13", false}, Build313{"debian-3.13", false},
                                           Build313{"debian-3.13t", true}),
                         [](const auto& info) {
                             std::string name = info.param.id;
                             std::replace_if(
                                 name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                             return name;
                         });

// The agreement test above could not tell the two tables apart if they matched where it looks.
TEST(DebugOffsets, DefaultAndFreeThreadedTablesDifferInEveryObjectField) {
    const Offsets& gil = pyxray::offsets_3_13();
    const Offsets& ft = pyxray::offsets_3_13t();
    EXPECT_LT(gil.pyobject.ob_type, ft.pyobject.ob_type);
    EXPECT_LT(gil.type_object.tp_name, ft.type_object.tp_name);
    EXPECT_LT(gil.code_object.filename, ft.code_object.filename);
    EXPECT_LT(gil.code_object.co_code_adaptive, ft.code_object.co_code_adaptive);
    EXPECT_LT(gil.unicode_object.length, ft.unicode_object.length);
    EXPECT_LT(gil.unicode_object.ascii_size, ft.unicode_object.ascii_size);
    EXPECT_LT(gil.bytes_object.ob_sval, ft.bytes_object.ob_sval);
    // Every object grows by the same header difference.
    uint64_t growth = ft.pyobject.ob_type - gil.pyobject.ob_type;
    EXPECT_EQ(ft.code_object.firstlineno - gil.code_object.firstlineno, growth);
    EXPECT_EQ(ft.unicode_object.state - gil.unicode_object.state, growth);
    // The runtime, interpreter, thread and frame structs do not change.
    EXPECT_EQ(gil.runtime_state.interpreters_head, ft.runtime_state.interpreters_head);
    EXPECT_EQ(gil.interpreter_state.threads_head, ft.interpreter_state.threads_head);
    EXPECT_EQ(gil.thread_state.current_frame, ft.thread_state.current_frame);
    EXPECT_EQ(gil.interpreter_frame.instr_ptr, ft.interpreter_frame.instr_ptr);
}

// A table shaped like 3.13.0's own, built from pyxray's mirrors.
Table good_table(const Offsets& o = pyxray::offsets_3_13()) { return synthetic::table_313(o); }

const pyxray::PythonVersion kVersion = pyxray::PythonVersion::from_hex(0x030d00f0);
constexpr uint64_t kRuntime = 0x7f0000001000;

using pyxray::BuildKind;

// Reads `table` from synthetic memory the way the locator does, for a build of `kind`.
pyxray::Result<const Offsets*> read_from_memory(const Table& table,
                                                const pyxray::PythonVersion& version = kVersion,
                                                BuildKind kind = BuildKind::Default) {
    pyxray::BufferMemory memory;
    memory.add(kRuntime, &table, sizeof(table));
    const Offsets& fallback =
        kind == BuildKind::FreeThreaded ? pyxray::offsets_3_13t() : pyxray::offsets_3_13();
    return pyxray::read_debug_offsets(memory, kRuntime, version, fallback, kind);
}

std::string rejection(const Table& table, const pyxray::PythonVersion& version = kVersion,
                      BuildKind kind = BuildKind::Default) {
    auto read = read_from_memory(table, version, kind);
    return read ? "accepted" : read.error().message;
}

TEST(DebugOffsets, GoodSyntheticTableIsAcceptedAndAgrees) {
    Table table = good_table();
    auto read = read_from_memory(table);
    ASSERT_TRUE(read) << read.error().message;
    expect_agrees(**read, table);
}

TEST(DebugOffsets, CorruptCookieIsRejected) {
    Table table = good_table();
    table.cookie[0] = 'y';
    EXPECT_EQ(rejection(table),
              "_Py_DebugOffsets at the start of _PyRuntime is not usable: the cookie is not \"xdebugpy\" "
              "(first byte 0x79)");
}

TEST(DebugOffsets, VersionOtherThanTheTargetsIsRejected) {
    Table table = good_table();
    table.version = 0x030c01f0;
    EXPECT_EQ(rejection(table),
              "_Py_DebugOffsets at the start of _PyRuntime is not usable: its version 0x30c01f0 does not "
              "match CPython 3.13.0 (0x30d00f0)");
    table.version = 0x030d01f0;  // 3.13.1 in a 3.13.0 process
    EXPECT_NE(rejection(table), "accepted");
    EXPECT_EQ(rejection(table, pyxray::PythonVersion::from_hex(0x030d01f0)), "accepted");
}

TEST(DebugOffsets, SizeOutOfBoundsIsRejected) {
    Table table = good_table();
    table.thread_state.size = uint64_t{1} << 40;
    EXPECT_EQ(rejection(table),
              "_Py_DebugOffsets at the start of _PyRuntime is not usable: thread_state.size 1099511627776 is "
              "outside 64..65536");
}

TEST(DebugOffsets, OffsetOutsideItsStructIsRejected) {
    Table table = good_table();
    table.code_object.qualname = table.code_object.co_code_adaptive + 100;
    EXPECT_EQ(rejection(table),
              fmt::format("_Py_DebugOffsets at the start of _PyRuntime is not usable: "
                          "code_object.qualname = {} (8 bytes) is not inside the struct's {} bytes",
                          table.code_object.qualname, table.code_object.co_code_adaptive));
}

// A field must fit with all its bytes: the walkers memcpy 8 bytes of `previous` out of one read
// of the frame up to localsplus, so `previous` at localsplus - 1 would read past that buffer.
TEST(DebugOffsets, FieldStraddlingTheEndOfItsStructIsRejected) {
    Table table = good_table();
    table.interpreter_frame.previous = table.interpreter_frame.localsplus - 1;
    EXPECT_EQ(rejection(table),
              fmt::format("_Py_DebugOffsets at the start of _PyRuntime is not usable: "
                          "interpreter_frame.previous = {} (8 bytes) is not inside the "
                          "struct's {} bytes",
                          table.interpreter_frame.previous, table.interpreter_frame.localsplus));
    table = good_table();
    table.code_object.firstlineno = table.code_object.co_code_adaptive - 2;
    EXPECT_NE(rejection(table).find("code_object.firstlineno"), std::string::npos) << rejection(table);
    table = good_table();
    table.unicode_object.state = table.unicode_object.size - 1;
    EXPECT_NE(rejection(table).find("unicode_object.state"), std::string::npos) << rejection(table);
    table = good_table();
    table.thread_state.native_thread_id = table.thread_state.size - 4;
    EXPECT_NE(rejection(table).find("thread_state.native_thread_id"), std::string::npos) << rejection(table);
}

TEST(DebugOffsets, FreeThreadedTableOfAFreeThreadedBuildIsAcceptedAndAgrees) {
    Table table = good_table(pyxray::offsets_3_13t());
    table.free_threaded = 1;
    auto read = read_from_memory(table, kVersion, BuildKind::FreeThreaded);
    ASSERT_TRUE(read) << read.error().message;
    expect_agrees(**read, table);
    EXPECT_EQ((*read)->code_object.firsttraceable, pyxray::offsets_3_13t().code_object.firsttraceable);
}

TEST(DebugOffsets, FreeThreadedTableInADefaultBuildIsRefusedByName) {
    Table table = good_table(pyxray::offsets_3_13t());
    table.free_threaded = 1;
    auto read = read_from_memory(table, kVersion, BuildKind::Default);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, pyxray::ErrorCode::Unsupported);
    EXPECT_EQ(read.error().message,
              "_Py_DebugOffsets says CPython 3.13.0 is a free-threaded build (free_threaded = 1) but the "
              "binary is a default (GIL) build; refusing to guess its layout");
}

TEST(DebugOffsets, DefaultTableInAFreeThreadedBuildIsRefusedByName) {
    auto read = read_from_memory(good_table(), kVersion, BuildKind::FreeThreaded);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, pyxray::ErrorCode::Unsupported);
    EXPECT_EQ(read.error().message,
              "_Py_DebugOffsets says CPython 3.13.0 is a default (GIL) build (free_threaded = 0) but the "
              "binary is a free-threaded build; refusing to guess its layout");
}

TEST(DebugOffsets, FreeThreadedFlagOtherThanZeroOrOneIsDamage) {
    Table table = good_table();
    table.free_threaded = 2;
    auto read = read_from_memory(table);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, pyxray::ErrorCode::BadData);  // falls back to the built-in table
    EXPECT_EQ(
        read.error().message,
        "_Py_DebugOffsets at the start of _PyRuntime is not usable: free_threaded = 2 is neither 0 nor 1");
    EXPECT_EQ(pyxray::build_kind_of(table, kVersion), std::nullopt);
}

TEST(DebugOffsets, BuildKindOfATableNeedsItsCookieAndVersion) {
    Table table = good_table();
    EXPECT_EQ(pyxray::build_kind_of(table, kVersion), BuildKind::Default);
    table.free_threaded = 1;
    EXPECT_EQ(pyxray::build_kind_of(table, kVersion), BuildKind::FreeThreaded);
    EXPECT_EQ(pyxray::build_kind_of(table, pyxray::PythonVersion::from_hex(0x030c01f0)), std::nullopt);
    table.cookie[7] = 'x';
    EXPECT_EQ(pyxray::build_kind_of(table, kVersion), std::nullopt);
}

TEST(DebugOffsets, UnreadableTableSaysWhere) {
    pyxray::BufferMemory memory;
    auto read = pyxray::read_debug_offsets(memory, kRuntime, kVersion, pyxray::offsets_3_13());
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, pyxray::ErrorCode::Unreadable);
}

}  // namespace

// Free-threaded CPython (Py_GIL_DISABLED, `python3.13t`): telling the build from the target's
// _Py_DebugOffsets and from the binary, refusing a mismatch by name, and walking a synthetic
// 3.13t image with the free-threaded table (which the default table misreads).
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <filesystem>

#include "interp/build_kind.hpp"
#include "interp/thread_states.hpp"
#include "layout/debug_offsets.hpp"
#include "matrix_interpreters.hpp"
#include "symbols/file_module_symbols.hpp"
#include "synthetic_python.hpp"

namespace {

using pyxray::BinaryBuildKind;
using pyxray::BuildKind;
using pyxray::Offsets;
using pyxray::PythonVersion;
using Table = pyxray::mirror::DebugOffsets313;

const PythonVersion k313 = PythonVersion::from_hex(0x030d0ff0);  // 3.13.15
constexpr uint64_t kRuntime = 0x7f0000001000;

// Memory holding a _Py_DebugOffsets at kRuntime with only what detection reads filled in.
pyxray::BufferMemory memory_with_table(uint64_t free_threaded, bool good_cookie = true) {
    Table table{};
    std::memcpy(table.cookie, good_cookie ? "xdebugpy" : "xdebugpz", 8);
    table.version = k313.hex;
    table.free_threaded = free_threaded;
    pyxray::BufferMemory memory;
    memory.add(kRuntime, &table, sizeof(table));
    return memory;
}

const BinaryBuildKind kBinaryFreeThreaded{BuildKind::FreeThreaded,
                                          "libpython3.13t.so defines _Py_DecRefShared"};
const BinaryBuildKind kBinaryDefault{
    BuildKind::Default,
    "libpython3.13.so does not define _Py_DecRefShared, which every free-threaded build exports"};

TEST(BuildKind, TheTargetsTableDecidesWhenTheBinaryAgreesOrCannotTell) {
    auto ft = memory_with_table(1);
    EXPECT_EQ(pyxray::detect_build_kind(ft, kRuntime, k313, std::nullopt), BuildKind::FreeThreaded);
    EXPECT_EQ(pyxray::detect_build_kind(ft, kRuntime, k313, kBinaryFreeThreaded), BuildKind::FreeThreaded);
    auto gil = memory_with_table(0);
    EXPECT_EQ(pyxray::detect_build_kind(gil, kRuntime, k313, std::nullopt), BuildKind::Default);
    EXPECT_EQ(pyxray::detect_build_kind(gil, kRuntime, k313, kBinaryDefault), BuildKind::Default);
}

TEST(BuildKind, TableAndBinaryThatDisagreeAreRefusedByName) {
    auto ft = memory_with_table(1);
    auto refused = pyxray::detect_build_kind(ft, kRuntime, k313, kBinaryDefault);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, pyxray::ErrorCode::Unsupported);
    EXPECT_EQ(refused.error().message,
              "_Py_DebugOffsets says CPython 3.13.15 is free-threaded, but libpython3.13.so does not define "
              "_Py_DecRefShared, which every free-threaded build exports; refusing to guess its layout");
    auto gil = memory_with_table(0);
    refused = pyxray::detect_build_kind(gil, kRuntime, k313, kBinaryFreeThreaded);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, pyxray::ErrorCode::Unsupported);
    EXPECT_EQ(refused.error().message,
              "_Py_DebugOffsets says CPython 3.13.15 is a default (GIL) build, but libpython3.13t.so defines "
              "_Py_DecRefShared; refusing to guess its layout");
}

TEST(BuildKind, DamagedOrMissingTableLeavesItToTheBinary) {
    auto bad_cookie = memory_with_table(1, false);
    EXPECT_EQ(pyxray::detect_build_kind(bad_cookie, kRuntime, k313, kBinaryDefault), BuildKind::Default);
    EXPECT_EQ(pyxray::detect_build_kind(bad_cookie, kRuntime, k313, kBinaryFreeThreaded),
              BuildKind::FreeThreaded);
    EXPECT_EQ(pyxray::detect_build_kind(bad_cookie, kRuntime, k313, std::nullopt), BuildKind::Default);
    auto bad_flag = memory_with_table(7);
    EXPECT_EQ(pyxray::detect_build_kind(bad_flag, kRuntime, k313, kBinaryFreeThreaded),
              BuildKind::FreeThreaded);
    pyxray::BufferMemory unreadable;
    EXPECT_EQ(pyxray::detect_build_kind(unreadable, kRuntime, k313, kBinaryFreeThreaded),
              BuildKind::FreeThreaded);
    // Before 3.13 there is no table to read at all.
    auto v312 = PythonVersion::from_hex(0x030c01f0);
    EXPECT_EQ(pyxray::detect_build_kind(unreadable, kRuntime, v312, std::nullopt), BuildKind::Default);
}

TEST(BuildKind, NamesWithTheTAbiFlagSayFreeThreadedWhenThereAreNoSymbols) {
    auto kind_of = [](const char* path) {
        auto found = pyxray::build_kind_from_binary(nullptr, path);
        return found ? std::optional(found->kind) : std::nullopt;
    };
    EXPECT_EQ(kind_of("/opt/py/lib/libpython3.13t.so.1.0"), BuildKind::FreeThreaded);
    EXPECT_EQ(kind_of("/opt/py/bin/python3.13t"), BuildKind::FreeThreaded);
    EXPECT_EQ(kind_of("/opt/py/bin/python3.14td"), BuildKind::FreeThreaded);
    // Without the flag the name proves nothing (a renamed binary): the binary cannot tell.
    EXPECT_EQ(kind_of("/opt/py/lib/libpython3.13.so.1.0"), std::nullopt);
    EXPECT_EQ(kind_of("/opt/python3.13t/bin/python"),
              std::nullopt);  // a directory's name is not the binary's
    EXPECT_EQ(kind_of("/usr/bin/python3.11"), std::nullopt);
}

// The marker symbol, checked on the matrix's two 3.13 builds from the same source: only the
// free-threaded one defines it, and a default build's symbols say so conclusively.
TEST(BuildKind, OnlyTheFreeThreadedLibpythonDefinesTheMarkerSymbol) {
    PYXRAY_REQUIRE_PYTHON(gil_python, "debian-3.13");
    PYXRAY_REQUIRE_PYTHON(ft_python, "debian-3.13t");
    auto libpython = [](const std::string& executable, const char* name) {
        return (std::filesystem::path(executable).parent_path().parent_path() / "lib" / name).string();
    };
    std::array<std::string_view, 2> names = {"_PyRuntime", pyxray::kFreeThreadedSymbol};
    for (const auto& [path, expected] :
         {std::pair{libpython(gil_python, "libpython3.13.so.1.0"), BuildKind::Default},
          std::pair{libpython(ft_python, "libpython3.13t.so.1.0"), BuildKind::FreeThreaded}}) {
        SCOPED_TRACE(path);
        auto symbols = pyxray::ElfSymbols::open(path, names);
        ASSERT_TRUE(symbols) << symbols.error().message;
        ASSERT_TRUE(symbols->find("_PyRuntime"));
        auto loaded = pyxray::loaded_at(*symbols, 0);
        auto kind = pyxray::build_kind_from_binary(loaded.get(), path);
        ASSERT_TRUE(kind);
        EXPECT_EQ(kind->kind, expected) << kind->why;
    }
}

TEST(BuildKind, FreeThreadedTablesExistFrom313) {
    auto table = pyxray::offsets_for(k313, BuildKind::FreeThreaded);
    ASSERT_TRUE(table);
    EXPECT_EQ(*table, &pyxray::offsets_3_13t());
    auto v314 = pyxray::offsets_for(PythonVersion::from_hex(0x030e02f0), BuildKind::FreeThreaded);
    ASSERT_TRUE(v314);
    EXPECT_EQ(*v314, &pyxray::offsets_3_14t());
    auto v315 = pyxray::offsets_for(PythonVersion::from_hex(0x030f00a2), BuildKind::FreeThreaded);
    ASSERT_TRUE(v315);
    EXPECT_EQ(*v315, &pyxray::offsets_3_15t());
    auto v316 = pyxray::offsets_for(PythonVersion::from_hex(0x031000a1), BuildKind::FreeThreaded);
    ASSERT_FALSE(v316);
    EXPECT_EQ(v316.error().message,
              "free-threaded CPython 3.16.0 is not supported yet (supported: 3.13 to 3.15)");
    auto v312 = pyxray::offsets_for(PythonVersion::from_hex(0x030c01f0), BuildKind::FreeThreaded);
    ASSERT_FALSE(v312);
    EXPECT_EQ(v312.error().code, pyxray::ErrorCode::Unsupported);
    EXPECT_EQ(v312.error().message,
              "free-threaded CPython 3.12.1 is not supported yet (supported: 3.13 to 3.15)");
}

std::vector<pyxray::PyThread> walk(const pyxray::testing::SyntheticPython& image, const Offsets& offsets) {
    auto memory = image.memory();
    pyxray::CodeCache codes(*memory, offsets);
    auto threads = pyxray::read_thread_states(*memory, offsets, image.runtime(), codes, true);
    EXPECT_TRUE(threads.has_value()) << threads.error().message;
    return threads ? threads->threads : std::vector<pyxray::PyThread>{};
}

TEST(FrameWalker313t, FreeThreadedImageWalksWithItsOwnTableOnly) {
    const Offsets& o = pyxray::offsets_3_13t();
    pyxray::testing::SyntheticPython image(o);
    uint64_t inner = image.make_code("inner", "Worker.inner", "/srv/work.py", 40);
    uint64_t outer = image.make_code("outer", "outer", "/srv/work.py", 10);
    uint64_t entry = image.make_frame(outer, 0, pyxray::FrameOwner::CStack);
    uint64_t newest = image.chain({image.make_frame(inner, 3), image.make_frame(outer, 6), entry});
    image.add_thread(31337, newest);

    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].native_thread_id, 31337u);
    ASSERT_EQ(threads[0].frames.size(), 2u);
    EXPECT_EQ(threads[0].frames[0].qualname, "Worker.inner");
    EXPECT_EQ(threads[0].frames[0].file, "/srv/work.py");
    EXPECT_EQ(threads[0].frames[0].line, 43);
    EXPECT_EQ(threads[0].frames[1].qualname, "outer");
    EXPECT_EQ(threads[0].frames[1].line, 16);
    EXPECT_FALSE(threads[0].truncated);

    // The default table looks for ob_type where the free-threaded header keeps its refcounts.
    auto misread = walk(image, pyxray::offsets_3_13());
    ASSERT_EQ(misread.size(), 1u);
    EXPECT_TRUE(misread[0].frames.empty());
    ASSERT_TRUE(misread[0].truncated);
}

}  // namespace

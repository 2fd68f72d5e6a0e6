// Damaged cores must be named as such: a cut in the notes (gcore writes them last) and a core
// whose debugger lists no mapped files.
#include <gtest/gtest.h>

#include "core_builder.hpp"
#include "interp/runtime_locator.hpp"
#include "pyxray/core_file.hpp"

namespace {

using pyxray::testing::CoreBuilder;
using pyxray::testing::TempDir;

std::vector<std::byte> filled(size_t size, uint8_t value) {
    return std::vector<std::byte>(size, std::byte{value});
}

TEST(HostileCores, ACoreCutShortNeedsMoreThanItHas) {
    TempDir dir;
    CoreBuilder builder;
    builder.add_load(0x10000, 0x1000, filled(0x1000, 7));
    builder.add_thread(42, 0x1234, 0x5678, 0);
    builder.write(dir / "whole.core");
    auto whole = pyxray::CoreFile::open(dir / "whole.core");
    ASSERT_TRUE(whole) << whole.error().message;
    EXPECT_EQ((*whole)->needed_size(), (*whole)->file_size());

    builder.write(dir / "cut.core", (*whole)->file_size() - 8);
    auto cut = pyxray::CoreFile::open(dir / "cut.core");
    ASSERT_TRUE(cut) << cut.error().message;
    EXPECT_EQ((*cut)->needed_size(), (*whole)->file_size());
    EXPECT_LT((*cut)->file_size(), (*cut)->needed_size());
}

TEST(HostileCores, NoModulesInACoreIsBlamedOnTheCore) {
    pyxray::StaticTarget target(std::make_unique<pyxray::BufferMemory>(), {pyxray::TargetKind::Core, 7, ""},
                                {}, {}, {});
    auto located = pyxray::locate_runtime(target);
    ASSERT_FALSE(located);
    const std::string& message = located.error().message;
    EXPECT_NE(message.find("the core lists no mapped files: is it truncated or damaged?"), std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace

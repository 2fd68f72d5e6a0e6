// Symbol lookup and load bias, on this test binary (PIE) and on Debian's non-PIE python3.11.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>

#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"
#include "symbols/elf_symbols.hpp"

extern "C" {
__attribute__((visibility("default"), used)) int pyxray_symbol_probe = 42;
}

namespace {

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

TEST(ElfSymbols, FindsAGlobalAndMapsItToItsRunTimeAddress) {
    constexpr std::array<std::string_view, 2> names = {"pyxray_symbol_probe", "no_such_symbol_anywhere"};
    auto symbols = pyxray::ElfSymbols::open(self_path(), names);
    ASSERT_TRUE(symbols.has_value()) << symbols.error().message;
    auto link_address = symbols->find("pyxray_symbol_probe");
    ASSERT_TRUE(link_address.has_value());
    EXPECT_FALSE(symbols->find("no_such_symbol_anywhere").has_value());

    auto modules = pyxray::modules_of_process(getpid());
    ASSERT_TRUE(modules.has_value()) << modules.error().message;
    uint64_t base = 0;
    for (const auto& module : *modules)
        if (std::filesystem::equivalent(module.path, self_path())) base = module.base;
    ASSERT_NE(base, 0u) << "this test binary is not in its own /proc/self/maps";
    EXPECT_EQ(symbols->runtime_address(*link_address, base),
              reinterpret_cast<uint64_t>(&pyxray_symbol_probe));
}

TEST(ElfSymbols, NonPieExecutableHasNoBias) {
    const std::string python = "/usr/bin/python3.11";
    if (!std::filesystem::exists(python)) GTEST_SKIP() << python << " is not installed";
    constexpr std::array<std::string_view, 1> names = {"_PyRuntime"};
    auto symbols = pyxray::ElfSymbols::open(python, names);
    ASSERT_TRUE(symbols.has_value()) << symbols.error().message;
    auto runtime = symbols->find("_PyRuntime");
    ASSERT_TRUE(runtime.has_value()) << "Debian's python3.11 exports _PyRuntime in .dynsym";
    EXPECT_EQ(symbols->link_base(), 0x400000u);
    EXPECT_EQ(symbols->runtime_address(*runtime, 0x400000), *runtime);
}

TEST(ElfSymbols, NonElfAndMissingFilesFailWithTheirPath) {
    constexpr std::array<std::string_view, 1> names = {"_PyRuntime"};
    auto text = std::filesystem::temp_directory_path() / "pyxray_not_elf.txt";
    std::ofstream(text) << "not an ELF file\n";
    auto not_elf = pyxray::ElfSymbols::open(text.string(), names);
    ASSERT_FALSE(not_elf.has_value());
    EXPECT_NE(not_elf.error().message.find("not an ELF file"), std::string::npos);
    std::filesystem::remove(text);

    auto missing = pyxray::ElfSymbols::open("/nonexistent/libpython3.11.so", names);
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message.find("/nonexistent/libpython3.11.so"), std::string::npos);
}

}  // namespace

// What `strip` leaves for the runtime locator: on real CPython binaries, stripped copies keep
// _PyRuntime and Py_Version in .dynsym and the .PyRuntime section header, whose address is
// _PyRuntime's; `version.0` (Py_GetVersion's buffer) goes with .symtab.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "symbols/elf_symbols.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::array<std::string_view, 3> kNames = {"_PyRuntime", "Py_Version", "version.0"};

// Debian's static python3.11 and every pyenv libpython from 3.10 (the first with .PyRuntime).
std::vector<fs::path> binaries_with_runtime_section() {
    std::vector<fs::path> found;
    if (fs::exists("/usr/bin/python3.11")) found.emplace_back("/usr/bin/python3.11");
    const char* home = std::getenv("HOME");
    fs::path versions = fs::path(home ? home : "/root") / ".pyenv" / "versions";
    std::error_code error;
    for (const auto& version : fs::directory_iterator(versions, error)) {
        std::string name = version.path().filename().string();
        for (int minor = 10; minor <= 13; ++minor) {
            std::string prefix = "3." + std::to_string(minor) + ".";
            fs::path library = version.path() / "lib" / ("libpython3." + std::to_string(minor) + ".so.1.0");
            if (name.starts_with(prefix) && fs::exists(library)) found.push_back(library);
        }
    }
    return found;
}

class StrippedCopy {
public:
    explicit StrippedCopy(const fs::path& original) {
        path_ = fs::temp_directory_path() /
                ("pyxray-strip-" + std::to_string(getpid()) + "-" + original.filename().string());
        fs::copy_file(original, path_, fs::copy_options::overwrite_existing);
        std::string command = "strip --strip-all '" + path_.string() + "'";
        ok_ = std::system(command.c_str()) == 0;
    }
    ~StrippedCopy() {
        std::error_code error;
        fs::remove(path_, error);
    }
    const fs::path& path() const { return path_; }
    bool ok() const { return ok_; }

private:
    fs::path path_;
    bool ok_ = false;
};

TEST(ElfSections, PyRuntimeSectionIsWherePyRuntimeIsAndSurvivesStripping) {
    auto binaries = binaries_with_runtime_section();
    if (binaries.empty()) GTEST_SKIP() << "no /usr/bin/python3.11 and no pyenv libpython 3.10+";
    for (const fs::path& original : binaries) {
        SCOPED_TRACE(original.string());
        auto unstripped = pyxray::ElfSymbols::open(original.string(), kNames);
        ASSERT_TRUE(unstripped) << unstripped.error().message;
        StrippedCopy copy(original);
        ASSERT_TRUE(copy.ok()) << "strip --strip-all failed on a copy of " << original;
        auto stripped = pyxray::ElfSymbols::open(copy.path().string(), kNames);
        ASSERT_TRUE(stripped) << stripped.error().message;

        auto section = stripped->section(".PyRuntime");
        ASSERT_TRUE(section.has_value());
        EXPECT_EQ(stripped->find("_PyRuntime"), section->address);  // from .dynsym
        EXPECT_EQ(unstripped->find("_PyRuntime"), section->address);
        EXPECT_GT(section->size, 0u);
        EXPECT_EQ(stripped->link_base(), unstripped->link_base());
        EXPECT_FALSE(stripped->find("version.0").has_value());
        EXPECT_TRUE(stripped->section(".bss").has_value());
        if (original.string().find("3.10") == std::string::npos) {  // Py_Version is 3.11+
            EXPECT_TRUE(stripped->find("Py_Version").has_value());
            EXPECT_EQ(stripped->find("Py_Version"), unstripped->find("Py_Version"));
        }
    }
}

TEST(ElfSections, UnknownSectionIsAbsent) {
    auto self = pyxray::ElfSymbols::open(fs::read_symlink("/proc/self/exe").string(), kNames);
    ASSERT_TRUE(self) << self.error().message;
    EXPECT_FALSE(self->section(".PyRuntime").has_value());
    EXPECT_TRUE(self->section(".text").has_value());
}

}  // namespace

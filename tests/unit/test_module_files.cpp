// Build-ids read from synthetic ELF images, and the paths a core's module is looked up at.
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "pyxray/core_file.hpp"
#include "pyxray/process.hpp"
#include "symbols/build_id.hpp"

namespace {

// An ELF header, one PT_NOTE program header and the notes: `notes` as (name, type, desc).
std::vector<std::byte> elf_with_notes(
    const std::vector<std::tuple<std::string, uint32_t, std::vector<uint8_t>>>& notes, uint64_t align = 4) {
    std::vector<std::byte> note_bytes;
    auto append = [&](const void* data, size_t size) {
        auto* bytes = static_cast<const std::byte*>(data);
        note_bytes.insert(note_bytes.end(), bytes, bytes + size);
        while (note_bytes.size() % align) note_bytes.push_back(std::byte{0});
    };
    for (const auto& [name, type, desc] : notes) {
        Elf64_Nhdr header{static_cast<uint32_t>(name.size() + 1), static_cast<uint32_t>(desc.size()), type};
        note_bytes.insert(note_bytes.end(), reinterpret_cast<std::byte*>(&header),
                          reinterpret_cast<std::byte*>(&header) + sizeof header);
        append(name.c_str(), name.size() + 1);
        append(desc.data(), desc.size());
    }
    Elf64_Ehdr elf{};
    std::memcpy(elf.e_ident, ELFMAG, SELFMAG);
    elf.e_ident[EI_CLASS] = ELFCLASS64;
    elf.e_ident[EI_DATA] = ELFDATA2LSB;
    elf.e_phoff = sizeof elf;
    elf.e_phentsize = sizeof(Elf64_Phdr);
    elf.e_phnum = 1;
    Elf64_Phdr note{};
    note.p_type = PT_NOTE;
    note.p_offset = sizeof elf + sizeof note;
    note.p_filesz = note_bytes.size();
    note.p_align = align;
    std::vector<std::byte> image(sizeof elf + sizeof note + note_bytes.size());
    std::memcpy(image.data(), &elf, sizeof elf);
    std::memcpy(image.data() + sizeof elf, &note, sizeof note);
    if (!note_bytes.empty())
        std::memcpy(image.data() + sizeof elf + sizeof note, note_bytes.data(), note_bytes.size());
    return image;
}

std::optional<std::string> build_id(const std::vector<std::byte>& image) {
    return pyxray::read_build_id([&](uint64_t offset, std::span<std::byte> out) {
        if (offset > image.size() || out.size() > image.size() - offset) return false;
        std::memcpy(out.data(), image.data() + offset, out.size());
        return true;
    });
}

TEST(BuildId, FoundAfterOtherNotesInHex) {
    auto image =
        elf_with_notes({{"GNU", 1, {0, 0, 0, 0}}, {"GNU", NT_GNU_BUILD_ID, {0xde, 0xad, 0x01, 0xf0}}});
    EXPECT_EQ(build_id(image), "dead01f0");
}

TEST(BuildId, EightByteAlignedNotes) {
    auto image = elf_with_notes({{"GNU", 5, {1, 2, 3}}, {"GNU", NT_GNU_BUILD_ID, {0xab, 0xcd}}}, 8);
    EXPECT_EQ(build_id(image), "abcd");
}

TEST(BuildId, NoneWithoutTheNoteOrOfAnotherOwner) {
    EXPECT_EQ(build_id(elf_with_notes({{"CORE", NT_GNU_BUILD_ID, {1, 2}}})), std::nullopt);
    EXPECT_EQ(build_id(elf_with_notes({})), std::nullopt);
}

TEST(BuildId, TruncatedOrCorruptImagesGiveNothing) {
    auto image = elf_with_notes({{"GNU", NT_GNU_BUILD_ID, {1, 2, 3, 4}}});
    for (size_t cut : {size_t{0}, size_t{10}, sizeof(Elf64_Ehdr), image.size() - 2})
        EXPECT_EQ(build_id(std::vector<std::byte>(image.begin(), image.begin() + cut)), std::nullopt) << cut;
    auto absurd = image;
    auto* note = reinterpret_cast<Elf64_Nhdr*>(absurd.data() + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr));
    note->n_descsz = 0xffffffff;
    EXPECT_EQ(build_id(absurd), std::nullopt);
    auto not_elf = image;
    not_elf[1] = std::byte{'X'};
    EXPECT_EQ(build_id(not_elf), std::nullopt);
}

TEST(ModulePaths, SysrootFirstThenRecordedThenLibPathsByName) {
    pyxray::ModuleSearch search{"/sys/root/", {"/a", "/b/"}, "", ""};
    EXPECT_EQ(pyxray::candidate_paths("/opt/py/lib/libpython3.12.so.1.0", search),
              (std::vector<std::string>{"/sys/root/opt/py/lib/libpython3.12.so.1.0",
                                        "/opt/py/lib/libpython3.12.so.1.0", "/a/libpython3.12.so.1.0",
                                        "/b/libpython3.12.so.1.0"}));
}

TEST(ModulePaths, ExeStandsInForTheRecordedExecutableOnly) {
    pyxray::ModuleSearch search{"", {}, "/here/python3", "/there/python3"};
    EXPECT_EQ(pyxray::candidate_paths("/there/python3", search),
              (std::vector<std::string>{"/here/python3", "/there/python3"}));
    EXPECT_EQ(pyxray::candidate_paths("/there/libc.so.6", search),
              (std::vector<std::string>{"/there/libc.so.6"}));
}

class ResolveModule : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("pyxray-module-files-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir_ / "copies");
        std::ofstream(dir_ / "libx.so") << "other build";
        std::ofstream(dir_ / "copies" / "libx.so") << "same build";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::optional<std::string> id_of(const std::string& path) const {
        return path.find("copies") != std::string::npos ? std::optional<std::string>("aa") : "bb";
    }
    std::filesystem::path dir_;
};

TEST_F(ResolveModule, MismatchAtTheRecordedPathThenMappedCopy) {
    pyxray::ModuleInfo module{(dir_ / "libx.so").string(), 0x1000, "aa"};
    auto reader = [&](const std::string& path) { return id_of(path); };
    pyxray::resolve_module(module, {}, reader);
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Mismatch);
    EXPECT_EQ(module.file, "");
    EXPECT_EQ(module.other_build_id, "bb");
    EXPECT_EQ(module.file_to_read(), "");
    pyxray::resolve_module(module, {"", {(dir_ / "copies").string()}, "", ""}, reader);
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Mapped);
    EXPECT_EQ(module.file, (dir_ / "copies" / "libx.so").string());
}

TEST_F(ResolveModule, MissingListsWhatWasLookedFor) {
    pyxray::ModuleInfo module{(dir_ / "gone.so").string(), 0x1000, "aa"};
    pyxray::resolve_module(module, {"", {"/nowhere"}, "", ""},
                           [&](const std::string& p) { return id_of(p); });
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Missing);
    EXPECT_EQ(module.looked_for, (std::vector<std::string>{module.path, "/nowhere/gone.so"}));
}

TEST_F(ResolveModule, WithoutABuildIdInTheCoreTheRecordedFileIsTaken) {
    pyxray::ModuleInfo module{(dir_ / "libx.so").string(), 0x1000};
    pyxray::resolve_module(module, {}, [&](const std::string& p) { return id_of(p); });
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Ok);
}

// What a debuginfod client hands resolve_module: a file named by build-id, or an error.
pyxray::ModuleSearch fetching(std::function<pyxray::Result<std::string>(const std::string&)> fetch) {
    pyxray::ModuleSearch search;
    search.fetch_by_build_id = std::move(fetch);
    return search;
}

TEST_F(ResolveModule, FetchedByBuildIdWhenMissingOrOfAnotherBuild) {
    std::vector<std::string> asked;
    auto search = fetching([&](const std::string& id) -> pyxray::Result<std::string> {
        asked.push_back(id);
        return (dir_ / "copies" / "libx.so").string();
    });
    auto reader = [&](const std::string& p) { return id_of(p); };
    for (const char* name : {"gone.so", "libx.so"}) {
        pyxray::ModuleInfo module{(dir_ / name).string(), 0x1000, "aa"};
        pyxray::resolve_module(module, search, reader);
        EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Fetched) << name;
        EXPECT_EQ(module.file_to_read(), (dir_ / "copies" / "libx.so").string()) << name;
    }
    EXPECT_EQ(asked, (std::vector<std::string>{"aa", "aa"}));
    EXPECT_STREQ(pyxray::module_status_name(pyxray::ModuleFileStatus::Fetched), "fetched");
}

TEST_F(ResolveModule, NotFetchedWhenFoundHereOrWithoutABuildId) {
    int asked = 0;
    auto search = fetching([&](const std::string&) -> pyxray::Result<std::string> {
        ++asked;
        return std::string("/never");
    });
    auto reader = [&](const std::string& p) { return id_of(p); };
    pyxray::ModuleInfo found{(dir_ / "copies" / "libx.so").string(), 0x1000, "aa"};
    pyxray::resolve_module(found, search, reader);
    EXPECT_EQ(found.status, pyxray::ModuleFileStatus::Ok);
    pyxray::ModuleInfo no_id{(dir_ / "gone.so").string(), 0x1000};
    pyxray::resolve_module(no_id, search, reader);
    EXPECT_EQ(no_id.status, pyxray::ModuleFileStatus::Missing);
    EXPECT_EQ(asked, 0);
}

TEST_F(ResolveModule, AServedFileOfAnotherBuildOrNoneIsNotUsed) {
    auto reader = [&](const std::string& p) { return id_of(p); };
    pyxray::ModuleInfo module{(dir_ / "gone.so").string(), 0x1000, "aa"};
    pyxray::resolve_module(module, fetching([&](const std::string&) -> pyxray::Result<std::string> {
                               return (dir_ / "libx.so").string();
                           }),
                           reader);
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Missing);
    EXPECT_EQ(module.file_to_read(), "");
    EXPECT_NE(module.fetch_error.find("build-id bb"), std::string::npos) << module.fetch_error;
    pyxray::resolve_module(module, fetching([](const std::string&) -> pyxray::Result<std::string> {
                               return pyxray::fail(pyxray::ErrorCode::Io,
                                                   "debuginfod: no server has this build-id");
                           }),
                           reader);
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Missing);
    EXPECT_EQ(module.fetch_error, "debuginfod: no server has this build-id");
}

// A module without a build-id of a process in a container: only the file with the mapping's
// inode is read, its own through the root or, once that was replaced, the mapped one itself.
class ContainerModule : public ResolveModule {
protected:
    void SetUp() override {
        ResolveModule::SetUp();
        std::filesystem::create_directories(dir_ / "root" / "lib");
        std::ofstream(dir_ / "root" / "lib" / "liby.so") << "own";
        std::ofstream(dir_ / "mapped.so") << "mapped";
    }
    uint64_t inode(const std::filesystem::path& path) const {
        struct stat status {};
        EXPECT_EQ(stat(path.c_str(), &status), 0) << path;
        return status.st_ino;
    }
    std::string root() const { return (dir_ / "root").string(); }
    std::string own() const { return (dir_ / "root" / "lib" / "liby.so").string(); }
    std::string mapped() const { return (dir_ / "mapped.so").string(); }
};

TEST_F(ContainerModule, ItsOwnFileWhenTheInodeIsTheMappings) {
    pyxray::ModuleInfo module{"/lib/liby.so", 0x1000};
    pyxray::resolve_live_module(module, root(), mapped(), inode(own()));
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Mapped);
    EXPECT_EQ(module.file, own());
}

TEST_F(ContainerModule, TheMappedFileWhenItsOwnPathHoldsAnother) {
    pyxray::ModuleInfo module{"/lib/liby.so", 0x1000};
    pyxray::resolve_live_module(module, root(), mapped(), inode(mapped()));
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Mapped);
    EXPECT_EQ(module.file, mapped());
}

TEST_F(ContainerModule, MissingWhenNoFileHasTheInode) {
    pyxray::ModuleInfo module{"/lib/liby.so", 0x1000};
    std::filesystem::remove(dir_ / "mapped.so");
    pyxray::resolve_live_module(module, root(), mapped(), inode(own()) + 1);
    EXPECT_EQ(module.status, pyxray::ModuleFileStatus::Missing);
    EXPECT_EQ(module.file_to_read(), "");
    EXPECT_EQ(module.looked_for, (std::vector<std::string>{own(), mapped()}));
}

}  // namespace

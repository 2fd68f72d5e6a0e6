// CoreFile: synthetic cores with known contents, broken files, and a real core from gdb's gcore.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core_builder.hpp"
#include "pyxray/core_file.hpp"

namespace pyxray {
namespace {

using testing::CoreBuilder;
using testing::run_gcore;
using testing::TempDir;

std::vector<std::byte> pattern(size_t size, uint8_t seed) {
    std::vector<std::byte> bytes(size);
    for (size_t i = 0; i < size; ++i) bytes[i] = std::byte(static_cast<uint8_t>(seed + i * 31 + (i >> 8)));
    return bytes;
}

void write_file(const std::string& path, const std::vector<std::byte>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::byte> read_or_die(const Memory& memory, uint64_t address, size_t size) {
    auto bytes = read_bytes(memory, address, size);
    EXPECT_TRUE(bytes) << bytes.error().message;
    return bytes.value_or(std::vector<std::byte>(size));
}

void expect_unreadable_at(const Memory& memory, uint64_t address, size_t size, uint64_t bad) {
    auto bytes = read_bytes(memory, address, size);
    ASSERT_FALSE(bytes) << fmt::format("read of {} bytes at 0x{:x} should fail", size, address);
    EXPECT_EQ(bytes.error().code, ErrorCode::Unreadable);
    EXPECT_EQ(bytes.error().address, bad) << bytes.error().message;
    EXPECT_NE(bytes.error().message.find(fmt::format("0x{:x}", bad)), std::string::npos)
        << bytes.error().message;
}

// Segments: A (in the core), B (left out, backed by a real file), C (half in the core, anonymous),
// D (left out, backed by a file that no longer exists), E (in the core, read-only, file-backed),
// F (in the core, writable, file-backed, modified by the process). The file backing B is also
// mapped at 0x3f000 with no segment. Nothing at 0x30000.
struct SyntheticCore {
    TempDir dir;
    std::string binary = dir / "myprog-binary";
    std::vector<std::byte> a = pattern(0x3000, 3);
    std::vector<std::byte> on_disk = pattern(0x3000, 9);
    std::vector<std::byte> c = pattern(0x800, 5);
    std::vector<std::byte> f = pattern(0x1000, 77);
    CoreBuilder builder;

    SyntheticCore() {
        write_file(binary, on_disk);
        builder.add_load(0x10000, 0x3000, a);
        builder.add_load(0x40000, 0x2000);
        builder.add_load(0x60000, 0x1000, c);
        builder.add_load(0x70000, 0x1000);
        builder.add_load(0x80000, 0x1000, {on_disk.begin() + 0x2000, on_disk.end()}, PF_R);
        builder.add_load(0x90000, 0x1000, f, PF_R | PF_W);
        builder.add_thread(4242, 0x401000, 0x7ffd0000, 0x7f0000001000);
        builder.add_thread(4243, 0x402000, 0x7ffc0000, 0x7f0000002000);
        builder.set_process(4242, "myprog-binary");
        builder.set_files({{0x8000, 0x9000, 0, "/usr/lib/ld-fake.so"},
                           {0x3f000, 0x40000, 0, binary},
                           {0x40000, 0x42000, 1, binary},
                           {0x70000, 0x71000, 0, "/nonexistent/libgone.so"},
                           {0x80000, 0x81000, 2, binary},
                           {0x90000, 0x91000, 0, binary}});
    }
    std::string write(size_t keep = SIZE_MAX) const {
        std::string path = dir / "synthetic.core";
        builder.write(path, keep);
        return path;
    }
};

TEST(CoreFile, SyntheticCoreFacts) {
    SyntheticCore synthetic;
    auto core = CoreFile::open(synthetic.write());
    ASSERT_TRUE(core) << core.error().message;
    EXPECT_EQ((*core)->pid(), 4242);
    ASSERT_EQ((*core)->threads().size(), 2u);
    const CoreThread& first = (*core)->threads()[0];
    EXPECT_EQ(first.tid, 4242);
    EXPECT_EQ(first.pc, 0x401000u);
    EXPECT_EQ(first.sp, 0x7ffd0000u);
    EXPECT_EQ(first.fs_base, 0x7f0000001000u);
    EXPECT_EQ((*core)->threads()[1].tid, 4243);
    EXPECT_EQ((*core)->executable(), synthetic.binary);  // not ld-fake.so, mapped lower
    EXPECT_EQ((*core)->segments().size(), 6u);
    ASSERT_EQ((*core)->mapped_files().size(), 6u);
    EXPECT_EQ((*core)->mapped_files()[2].file_offset, 0x1000u);

    auto modules = (*core)->modules();
    ASSERT_EQ(modules.size(), 3u);
    EXPECT_EQ(modules[0].path, "/usr/lib/ld-fake.so");
    EXPECT_EQ(modules[0].base, 0x8000u);
    EXPECT_EQ(modules[1].path, synthetic.binary);
    EXPECT_EQ(modules[1].base, 0x3f000u);
    EXPECT_EQ(modules[2].base, 0x70000u);
}

TEST(CoreFile, ReadsCoreBytesAndFallsBackToMappedFiles) {
    SyntheticCore synthetic;
    auto core = CoreFile::open(synthetic.write());
    ASSERT_TRUE(core) << core.error().message;
    auto memory = (*core)->memory();
    auto in_core = read_or_die(*memory, 0x10ff0, 0x20);
    EXPECT_TRUE(std::equal(in_core.begin(), in_core.end(), synthetic.a.begin() + 0xff0));
    // filesz 0: the mapping at 0x40000 maps the file from offset 0x1000.
    auto from_disk = read_or_die(*memory, 0x40010, 0x1800);
    EXPECT_TRUE(std::equal(from_disk.begin(), from_disk.end(), synthetic.on_disk.begin() + 0x1010));
    // In NT_FILE but in no segment, as gdb's gcore leaves unmodified file-backed mappings.
    auto no_segment = read_or_die(*memory, 0x3fff8, 0x10);
    EXPECT_TRUE(std::equal(no_segment.begin(), no_segment.end(), synthetic.on_disk.begin() + 0xff8));
    auto half = read_or_die(*memory, 0x607f0, 0x10);
    EXPECT_TRUE(std::equal(half.begin(), half.end(), synthetic.c.begin() + 0x7f0));
    auto modified = read_or_die(*memory, 0x90000, 0x1000);  // the core's bytes, not the file's
    EXPECT_EQ(modified, synthetic.f);
}

TEST(CoreFile, BytesTheCoreLacksAreUnreadable) {
    SyntheticCore synthetic;
    auto core = CoreFile::open(synthetic.write());
    ASSERT_TRUE(core) << core.error().message;
    auto memory = (*core)->memory();
    expect_unreadable_at(*memory, 0x30000, 8, 0x30000);   // in no segment: a segment the core lacks
    expect_unreadable_at(*memory, 0x12ff8, 16, 0x13000);  // runs off the end of segment A
    expect_unreadable_at(*memory, 0x607fc, 8, 0x60800);   // zero-fill past filesz is not invented
    expect_unreadable_at(*memory, 0x70008, 8, 0x70008);   // the mapped file is gone
    auto gone = read_bytes(*memory, 0x70008, 8);
    EXPECT_NE(gone.error().message.find("libgone.so"), std::string::npos) << gone.error().message;
    expect_unreadable_at(*memory, UINT64_MAX - 3, 8, UINT64_MAX - 3);
}

TEST(CoreFile, MemoryOutlivesTheCoreFile) {
    SyntheticCore synthetic;
    std::unique_ptr<Memory> memory;
    {
        auto core = CoreFile::open(synthetic.write());
        ASSERT_TRUE(core) << core.error().message;
        memory = (*core)->memory();
    }
    std::filesystem::remove(synthetic.dir / "synthetic.core");  // the open handle keeps it readable
    EXPECT_EQ(read_value<uint8_t>(*memory, 0x10005).value(), static_cast<uint8_t>(synthetic.a[5]));
    auto cached = make_cached_memory(std::move(memory));
    EXPECT_EQ(read_value<uint8_t>(*cached, 0x40001).value(), static_cast<uint8_t>(synthetic.on_disk[0x1001]));
}

TEST(CoreFile, TruncatedCoreReadsWhatItHas) {
    SyntheticCore synthetic;
    size_t size = synthetic.builder.write(synthetic.dir / "full.core");
    size_t cut = size / 2;
    uint64_t a_offset = synthetic.builder.load_offset(0);
    ASSERT_GT(cut, a_offset);
    ASSERT_LT(cut, a_offset + synthetic.a.size());
    auto core = CoreFile::open(synthetic.write(cut));
    ASSERT_TRUE(core) << core.error().message;
    auto memory = (*core)->memory();
    uint64_t first_lost = 0x10000 + (cut - a_offset);
    EXPECT_EQ(read_value<uint8_t>(*memory, first_lost - 1).value(),
              static_cast<uint8_t>(synthetic.a[cut - a_offset - 1]));
    expect_unreadable_at(*memory, first_lost - 4, 8, first_lost);
    expect_unreadable_at(*memory, 0x60000, 8, 0x60000);   // C lies wholly past the cut
    EXPECT_TRUE(read_value<uint64_t>(*memory, 0x40000));  // B never was in the core
    // E is read-only, so the file on disk holds what the cut lost; F's file bytes would be stale.
    auto read_only = read_or_die(*memory, 0x80ff8, 8);
    EXPECT_TRUE(std::equal(read_only.begin(), read_only.end(), synthetic.on_disk.begin() + 0x2ff8));
    expect_unreadable_at(*memory, 0x90000, 8, 0x90000);
    auto stale = read_bytes(*memory, 0x90000, 8);
    EXPECT_NE(stale.error().message.find("truncated"), std::string::npos) << stale.error().message;
    auto cached = make_cached_memory((*core)->memory());
    EXPECT_TRUE(read_value<uint8_t>(*cached, first_lost - 1));  // the page the cut splits
    expect_unreadable_at(*cached, first_lost, 1, first_lost);
}

TEST(CoreFile, EveryCutOpensCleanlyOrFailsCleanly) {
    SyntheticCore synthetic;
    size_t size = synthetic.builder.write(synthetic.dir / "full.core");
    int opened = 0;
    for (size_t cut = 0; cut < size; cut += 61) {
        auto core = CoreFile::open(synthetic.write(cut));
        if (!core) {
            EXPECT_EQ(core.error().code, ErrorCode::Io);
            EXPECT_EQ(core.error().message.find('\n'), std::string::npos);
            continue;
        }
        ++opened;
        auto memory = (*core)->memory();
        for (const auto& segment : (*core)->segments())
            for (uint64_t at = segment.vaddr; at < segment.vaddr + segment.memsz; at += 0x100)
                (void)read_value<uint64_t>(*memory, at);
    }
    EXPECT_GT(opened, 0);
}

TEST(CoreFile, RejectsWhatIsNotAnX86Core) {
    TempDir dir;
    auto message_of = [](const std::string& path) {
        auto core = CoreFile::open(path);
        EXPECT_FALSE(core) << path;
        if (core) return std::string();
        EXPECT_EQ(core.error().code, ErrorCode::Io);
        EXPECT_EQ(core.error().message.find('\n'), std::string::npos) << core.error().message;
        EXPECT_NE(core.error().message.find(path), std::string::npos) << core.error().message;
        return core.error().message;
    };
    EXPECT_NE(message_of(dir / "missing.core").find("No such file"), std::string::npos);

    write_file(dir / "text.core", pattern(100, 1));
    EXPECT_NE(message_of(dir / "text.core").find("not an ELF file (first bytes are not \\x7fELF)"),
              std::string::npos);

    EXPECT_NE(message_of("/bin/true").find("not a core"), std::string::npos);

    CoreBuilder arm;
    arm.add_load(0x1000, 0x1000, pattern(0x1000, 0));
    arm.write(dir / "arm.core", SIZE_MAX, ET_CORE, EM_AARCH64);
    EXPECT_NE(message_of(dir / "arm.core").find("only x86-64"), std::string::npos);

    CoreBuilder small;
    small.add_load(0x1000, 0x1000, pattern(0x1000, 0));
    small.write(dir / "headers.core", 40);  // cut inside the ELF header
    std::string headers = message_of(dir / "headers.core");
    EXPECT_NE(headers.find("truncated ELF header"), std::string::npos) << headers;
    small.write(dir / "phdrs.core", sizeof(Elf64_Ehdr) + 10);  // cut inside the program headers
    std::string phdrs = message_of(dir / "phdrs.core");
    EXPECT_NE(phdrs.find("truncated"), std::string::npos) << phdrs;

    EXPECT_NE(message_of(dir.path()).find("not a regular file"), std::string::npos);
}

// ---- a real core written by gdb ----

volatile uint64_t gcore_global = 1;
const char kRodataMarker[] = "pyxray rodata marker: read from the core or from the executable";

TEST(CoreFileGcore, ReadsAForkedChildThroughARealCore) {
    if (access("/usr/bin/gdb", X_OK) != 0)
        GTEST_SKIP() << "/usr/bin/gdb is absent, so no real core can be written with gcore";
#ifdef __SANITIZE_ADDRESS__
    GTEST_SKIP() << "AddressSanitizer build: gcore of a process with ASan's terabytes of shadow "
                    "mappings takes over a minute, and in its multi-terabyte sparse core the "
                    "child's written global reads back as 0 (gdb itself reads 0 there too)";
#endif
    TempDir dir;
    std::string core_path = dir / "child.core";
    testing::BlockedChild child(&gcore_global, 0xfeedface0badf00d);
    ASSERT_TRUE(child.ok());
    std::string gdb_output = run_gcore(child.pid(), core_path, dir / "gdb.log");

    auto core = CoreFile::open(core_path);
    ASSERT_TRUE(core) << core.error().message << "\ngdb said:\n" << gdb_output;
    EXPECT_EQ((*core)->pid(), child.pid());
    auto& threads = (*core)->threads();
    EXPECT_NE(std::find_if(threads.begin(), threads.end(), [&](auto& t) { return t.tid == child.pid(); }),
              threads.end());
    auto memory = make_cached_memory((*core)->memory());
    auto value = read_value<uint64_t>(*memory, reinterpret_cast<uint64_t>(&gcore_global));
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(*value, 0xfeedface0badf00du);
    auto marker = read_c_string(*memory, reinterpret_cast<uint64_t>(kRodataMarker));
    ASSERT_TRUE(marker) << marker.error().message;
    EXPECT_EQ(*marker, kRodataMarker);

    std::string self = std::filesystem::read_symlink("/proc/self/exe");
    EXPECT_EQ((*core)->executable(), self);
    auto modules = (*core)->modules();
    EXPECT_NE(std::find_if(modules.begin(), modules.end(), [&](auto& m) { return m.path == self; }),
              modules.end());
}

}  // namespace
}  // namespace pyxray

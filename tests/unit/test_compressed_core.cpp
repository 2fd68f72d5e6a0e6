// Compressed cores on small buffers: magic detection, round trips through each library's own
// compressor (several frames/members, output bigger than a buffer), truncated and corrupt
// streams; then a synthetic core compressed on disk, opened by CoreFile through its magic.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <fstream>
#include <random>

#include "core_builder.hpp"
#include "pyxray/compressed_core.hpp"
#include "pyxray/core_file.hpp"

namespace pyxray {
namespace {

using Bytes = std::vector<std::byte>;

// Compressible but not trivial: runs of a few symbols and a counter, as core pages are.
Bytes sample(size_t size, uint32_t seed) {
    std::mt19937 random(seed);
    Bytes bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = std::byte(static_cast<uint8_t>((i % 4096 < 1024) ? (i >> 12) : random() % 8));
    return bytes;
}

// With a checksum, as the zstd command writes by default: without one zstd cannot tell
// corrupt data.
Bytes zstd_compress(const Bytes& in) {
    Bytes out(ZSTD_compressBound(in.size()));
    ZSTD_CCtx* context = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
    size_t size = ZSTD_compress2(context, out.data(), out.size(), in.data(), in.size());
    ZSTD_freeCCtx(context);
    EXPECT_FALSE(ZSTD_isError(size));
    out.resize(size);
    return out;
}

Bytes lz4_compress(const Bytes& in) {
    LZ4F_preferences_t preferences{};
    preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    Bytes out(LZ4F_compressFrameBound(in.size(), &preferences));
    size_t size = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &preferences);
    EXPECT_FALSE(LZ4F_isError(size));
    out.resize(size);
    return out;
}

Bytes xz_compress(const Bytes& in) {
    Bytes out(lzma_stream_buffer_bound(in.size()));
    size_t size = 0;
    EXPECT_EQ(
        lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const uint8_t*>(in.data()),
                                in.size(), reinterpret_cast<uint8_t*>(out.data()), &size, out.size()),
        LZMA_OK);
    out.resize(size);
    return out;
}

Bytes gzip_compress(const Bytes& in) {
    z_stream stream{};
    EXPECT_EQ(deflateInit2(&stream, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    Bytes out(deflateBound(&stream, in.size()) + 32);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    stream.avail_in = static_cast<uInt>(in.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

struct Format {
    Compression compression;
    Bytes (*compress)(const Bytes&);
};

const Format kFormats[] = {{Compression::Zstd, zstd_compress},
                           {Compression::Lz4, lz4_compress},
                           {Compression::Xz, xz_compress},
                           {Compression::Gzip, gzip_compress}};

// Reads `in` in pieces of `piece` bytes, so frame boundaries fall anywhere in a read.
Result<Bytes> decompress_buffer(Compression compression, const Bytes& in, size_t piece = 7777) {
    size_t at = 0;
    Bytes out;
    auto read = [&](std::span<std::byte> into) -> Result<size_t> {
        size_t size = std::min({into.size(), piece, in.size() - at});
        std::memcpy(into.data(), in.data() + at, size);
        at += size;
        return size;
    };
    auto write = [&](std::span<const std::byte> bytes) -> Result<void> {
        out.insert(out.end(), bytes.begin(), bytes.end());
        return {};
    };
    PYXRAY_TRY(size, decompress(compression, read, write));
    EXPECT_EQ(size, out.size());
    return out;
}

Bytes joined(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

TEST(CompressionMagic, EachFormatByItsFirstBytesAndNothingElse) {
    Bytes data = sample(1000, 1);
    for (const Format& format : kFormats)
        EXPECT_EQ(compression_of(format.compress(data)), format.compression)
            << compression_name(format.compression);
    auto bytes = [](std::initializer_list<int> values) {
        Bytes out;
        for (int value : values) out.push_back(std::byte(value));
        return out;
    };
    EXPECT_EQ(compression_of(bytes({0x7f, 'E', 'L', 'F', 2, 1})), Compression::None);
    EXPECT_EQ(compression_of(bytes({0x28, 0xb5, 0x2f})), Compression::None);          // cut zstd magic
    EXPECT_EQ(compression_of(bytes({0xfd, '7', 'z', 'X', 'Z'})), Compression::None);  // cut xz magic
    EXPECT_EQ(compression_of(bytes({0x02, 0x21, 0x4c, 0x18})), Compression::None);    // lz4 legacy
    EXPECT_EQ(compression_of(bytes({'B', 'Z', 'h', '9'})), Compression::None);        // bzip2
    EXPECT_EQ(compression_of(bytes({0x1f, 0x8b, 0x07})), Compression::None);          // not deflate
    EXPECT_EQ(compression_of({}), Compression::None);
}

TEST(Decompression, RoundTripsOutputLargerThanItsBuffers) {
    Bytes data = sample(3 << 20, 2);  // 3 MiB: more than one 1 MiB output buffer
    for (const Format& format : kFormats) {
        auto out = decompress_buffer(format.compression, format.compress(data));
        ASSERT_TRUE(out) << out.error().message;
        EXPECT_TRUE(*out == data) << compression_name(format.compression);
    }
}

TEST(Decompression, ConcatenatedFramesMembersAndStreams) {
    Bytes first = sample(100000, 3);
    Bytes second = sample(50000, 4);
    for (const Format& format : kFormats) {
        auto out =
            decompress_buffer(format.compression, joined(format.compress(first), format.compress(second)));
        ASSERT_TRUE(out) << compression_name(format.compression) << ": " << out.error().message;
        EXPECT_TRUE(*out == joined(first, second)) << compression_name(format.compression);
    }
}

TEST(Decompression, TruncatedStreamIsOneLineNamingTheFormat) {
    Bytes data = sample(200000, 5);
    for (const Format& format : kFormats) {
        std::string name(compression_name(format.compression));
        Bytes whole = format.compress(data);
        for (size_t keep : {whole.size() - 1, whole.size() / 2, size_t{12}}) {
            Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(keep));
            auto out = decompress_buffer(format.compression, cut);
            ASSERT_FALSE(out) << name << " cut to " << keep;
            EXPECT_NE(out.error().message.find("its " + name + " stream is truncated"), std::string::npos)
                << out.error().message;
            EXPECT_NE(out.error().message.find(std::to_string(keep)), std::string::npos)
                << out.error().message;
            EXPECT_EQ(out.error().message.find('\n'), std::string::npos);
        }
    }
}

TEST(Decompression, CorruptStreamIsOneLineNamingTheFormat) {
    Bytes data = sample(200000, 6);
    for (const Format& format : kFormats) {
        std::string name(compression_name(format.compression));
        Bytes bad = format.compress(data);
        for (size_t i = bad.size() / 3; i < bad.size() / 3 + 64; ++i) bad[i] ^= std::byte{0x5a};
        auto out = decompress_buffer(format.compression, bad);
        ASSERT_FALSE(out) << name;
        EXPECT_NE(out.error().message.find("its " + name + " stream is corrupt"), std::string::npos)
            << out.error().message;
        EXPECT_EQ(out.error().message.find('\n'), std::string::npos);
    }
}

TEST(Decompression, TrailingGarbageAfterTheLastFrameIsCorrupt) {
    Bytes data = sample(10000, 7);
    Bytes garbage(100, std::byte{0x41});
    for (const Format& format : kFormats) {
        auto out = decompress_buffer(format.compression, joined(format.compress(data), garbage));
        EXPECT_FALSE(out) << compression_name(format.compression);
    }
}

TEST(Decompression, WriteFailureStops) {
    Bytes compressed = zstd_compress(sample(100000, 8));
    size_t at = 0;
    auto read = [&](std::span<std::byte> into) -> Result<size_t> {
        size_t size = std::min(into.size(), compressed.size() - at);
        std::memcpy(into.data(), compressed.data() + at, size);
        at += size;
        return size;
    };
    auto write = [](std::span<const std::byte>) -> Result<void> { return fail(ErrorCode::Io, "disk full"); };
    auto out = decompress(Compression::Zstd, read, write);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().message, "disk full");
}

void write_file(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Bytes out(chars.size());
    std::memcpy(out.data(), chars.data(), chars.size());
    return out;
}

// A synthetic core, compressed in each format under a misleading name: CoreFile reads it by its
// magic, through an unnamed temporary file it leaves nothing of.
TEST(CompressedCoreFile, OpensEachFormatByMagicAndLeavesNoTemporaryFile) {
    testing::TempDir dir;
    testing::TempDir temporary;
    setenv("TMPDIR", temporary.path().c_str(), 1);
    testing::CoreBuilder builder;
    Bytes memory = sample(0x3000, 9);
    builder.add_load(0x10000, 0x3000, memory);
    builder.add_thread(4242, 0x401000, 0x7ffd0000, 0x7f0000001000);
    builder.set_process(4242, "prog");
    std::string plain = dir / "plain.core";
    builder.write(plain);
    Bytes elf = read_file(plain);
    for (const Format& format : kFormats) {
        std::string name(compression_name(format.compression));
        std::string path = dir / "core.gz";  // the name says gzip; only the magic counts
        write_file(path, format.compress(elf));
        std::vector<std::string> events;
        DecompressionObserver observer{
            .started = [&](const DecompressionProgress& p) { events.push_back("start " + p.directory); },
            .progressed = {},
            .ended = [&](const DecompressionProgress& p,
                         bool ok) { events.push_back(fmt::format("end {} {}", ok, p.decompressed)); }};
        auto core = CoreFile::open(path, observer);
        ASSERT_TRUE(core) << name << ": " << core.error().message;
        EXPECT_EQ((*core)->compression(), format.compression);
        EXPECT_EQ((*core)->path(), path);
        EXPECT_EQ((*core)->file_size(), elf.size());
        auto read = read_bytes(*(*core)->memory(), 0x10000, 0x3000);
        ASSERT_TRUE(read) << read.error().message;
        EXPECT_TRUE(*read == memory) << name;
        EXPECT_EQ(events, (std::vector<std::string>{"start " + temporary.path(),
                                                    fmt::format("end true {}", elf.size())}));
        EXPECT_TRUE(std::filesystem::is_empty(temporary.path())) << name;
    }
    unsetenv("TMPDIR");
}

TEST(CompressedCoreFile, TruncatedStreamFailsNamingTheFileAndFormat) {
    testing::TempDir dir;
    testing::TempDir temporary;
    setenv("TMPDIR", temporary.path().c_str(), 1);
    Bytes whole = xz_compress(sample(100000, 10));
    std::string path = dir / "core.xz";
    write_file(path, Bytes(whole.begin(), whole.begin() + 5000));
    auto core = CoreFile::open(path);
    ASSERT_FALSE(core);
    EXPECT_EQ(core.error().message.rfind("cannot read core '" + path + "': its xz stream is truncated", 0),
              0u)
        << core.error().message;
    EXPECT_TRUE(std::filesystem::is_empty(temporary.path()));
    unsetenv("TMPDIR");
}

TEST(CompressedCoreFile, CompressedNonCoreSaysItWasDecompressed) {
    testing::TempDir dir;
    std::string path = dir / "notes.zst";
    write_file(path, zstd_compress(sample(1000, 11)));
    auto core = CoreFile::open(path);
    ASSERT_FALSE(core);
    EXPECT_EQ(core.error().message,
              "cannot read core '" + path +
                  "' (decompressed from zstd): not an ELF file (first bytes are not \\x7fELF)");
}

TEST(CompressedCoreFile, UnwritableTemporaryDirectoryIsOneLine) {
    testing::TempDir dir;
    std::string path = dir / "core.zst";
    write_file(path, zstd_compress(sample(1000, 12)));
    setenv("TMPDIR", (dir / "no-such-directory").c_str(), 1);
    auto core = CoreFile::open(path);
    unsetenv("TMPDIR");
    ASSERT_FALSE(core);
    EXPECT_NE(core.error().message.find("cannot make a temporary file in"), std::string::npos)
        << core.error().message;
    EXPECT_NE(core.error().message.find("set TMPDIR"), std::string::npos);
}

}  // namespace
}  // namespace pyxray

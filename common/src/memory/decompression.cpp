// Streaming decompression of zstd, lz4 (frame format), xz and gzip with Debian's libzstd,
// liblz4, liblzma and zlib: a fixed pair of buffers whatever the size, concatenated
// frames/streams/members decoded one after another (as the command-line tools do).
#include <fmt/format.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "pyxray/compressed_core.hpp"

namespace pyxray {
namespace {

constexpr size_t kChunk = 1 << 20;

constexpr std::array<uint8_t, 4> kZstdMagic = {0x28, 0xb5, 0x2f, 0xfd};
constexpr std::array<uint8_t, 4> kLz4FrameMagic = {0x04, 0x22, 0x4d, 0x18};
constexpr std::array<uint8_t, 6> kXzMagic = {0xfd, '7', 'z', 'X', 'Z', 0x00};
constexpr std::array<uint8_t, 3> kGzipMagic = {0x1f, 0x8b, 0x08};  // deflate, the only method

template <size_t N>
bool starts_with(std::span<const std::byte> head, const std::array<uint8_t, N>& magic) {
    return head.size() >= N && std::memcmp(head.data(), magic.data(), N) == 0;
}

// Where a decoder is in its input, for messages.
struct Input {
    const ReadBytes& read;
    std::vector<std::byte> buffer = std::vector<std::byte>(kChunk);
    size_t size = 0;         // bytes of `buffer` holding input
    uint64_t consumed = 0;   // compressed bytes before `buffer`
    Result<bool> refill() {  // false at end of input
        consumed += size;
        PYXRAY_TRY(got, read(buffer));
        size = got;
        return got > 0;
    }
};

pyxray::unexpected<Error> truncated(std::string_view format, uint64_t size, std::string_view where) {
    return fail(ErrorCode::Io,
                fmt::format("its {} stream is truncated: it ends after {} compressed bytes, {}; "
                            "the file was cut short (copy or write it again)",
                            format, size, where));
}

pyxray::unexpected<Error> corrupt(std::string_view format, uint64_t near, std::string_view why) {
    return fail(ErrorCode::Io, fmt::format("its {} stream is corrupt at or before compressed byte {} ({})",
                                           format, near, why));
}

struct ZstdFree {
    void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

// A frame is whole when ZSTD_decompressStream returns 0: it holds back the last byte of a
// frame until all of its output is flushed.
Result<uint64_t> decompress_zstd(Input& input, const WriteBytes& write) {
    std::unique_ptr<ZSTD_DCtx, ZstdFree> context(ZSTD_createDCtx());
    if (!context) return fail(ErrorCode::Internal, "libzstd cannot allocate a decompression context");
    // zstd --long=31 frames need a 2 GiB window; without the parameter libzstd refuses over 128 MiB.
    constexpr int kLargestWindowLog = 31;  // ZSTD_WINDOWLOG_MAX on 64-bit (a static-linking-only macro)
    ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, kLargestWindowLog);
    std::vector<std::byte> out(ZSTD_DStreamOutSize());
    uint64_t total = 0;
    size_t pending = 0;
    while (true) {
        PYXRAY_TRY(more, input.refill());
        if (!more) break;
        ZSTD_inBuffer in{input.buffer.data(), input.size, 0};
        while (in.pos < in.size) {
            ZSTD_outBuffer output{out.data(), out.size(), 0};
            pending = ZSTD_decompressStream(context.get(), &output, &in);
            if (ZSTD_isError(pending))
                return corrupt("zstd", input.consumed + in.pos, ZSTD_getErrorName(pending));
            PYXRAY_TRY_VOID(write(std::span(out.data(), output.pos)));
            total += output.pos;
        }
    }
    if (pending != 0) return truncated("zstd", input.consumed, "in the middle of a frame");
    return total;
}

struct Lz4Free {
    void operator()(LZ4F_dctx* context) const { LZ4F_freeDecompressionContext(context); }
};

// LZ4F_decompress's hint is 0 once a frame (and its checksum) is complete; a new frame may follow.
Result<uint64_t> decompress_lz4(Input& input, const WriteBytes& write) {
    LZ4F_dctx* raw = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
        return fail(ErrorCode::Internal, "liblz4 cannot allocate a decompression context");
    std::unique_ptr<LZ4F_dctx, Lz4Free> context(raw);
    std::vector<std::byte> out(kChunk);
    uint64_t total = 0;
    size_t hint = 1;
    auto step = [&](size_t position, size_t& source_size) -> Result<size_t> {
        size_t produced = out.size();
        hint = LZ4F_decompress(context.get(), out.data(), &produced, input.buffer.data() + position,
                               &source_size, nullptr);
        if (LZ4F_isError(hint))
            return corrupt("lz4", input.consumed + position + source_size, LZ4F_getErrorName(hint));
        PYXRAY_TRY_VOID(write(std::span(out.data(), produced)));
        total += produced;
        return produced;
    };
    while (true) {
        PYXRAY_TRY(more, input.refill());
        if (!more) break;
        size_t position = 0;
        while (position < input.size) {
            size_t source_size = input.size - position;
            PYXRAY_TRY_VOID(step(position, source_size));
            position += source_size;
        }
        // A full output buffer may leave decoded bytes inside the context: flush them.
        for (size_t produced = out.size(); produced == out.size() && hint != 0;) {
            size_t none = 0;
            PYXRAY_TRY(flushed, step(input.size, none));
            produced = flushed;
        }
    }
    if (hint != 0) return truncated("lz4", input.consumed, "in the middle of a frame");
    return total;
}

std::string_view lzma_problem(lzma_ret code) {
    switch (code) {
        case LZMA_MEM_ERROR:
            return "out of memory";
        case LZMA_MEMLIMIT_ERROR:
            return "memory limit reached";
        case LZMA_FORMAT_ERROR:
            return "not in the .xz format";
        case LZMA_OPTIONS_ERROR:
            return "unsupported compression options";
        case LZMA_DATA_ERROR:
            return "compressed data is corrupt";
        case LZMA_BUF_ERROR:
            return "compressed data is truncated";
        default:
            return "liblzma error";
    }
}

struct LzmaEnd {
    void operator()(lzma_stream* stream) const { lzma_end(stream); }
};

Result<uint64_t> decompress_xz(Input& input, const WriteBytes& write) {
    lzma_stream stream = LZMA_STREAM_INIT;
    lzma_ret status = lzma_stream_decoder(&stream, UINT64_MAX, LZMA_CONCATENATED);
    if (status != LZMA_OK) return fail(ErrorCode::Internal, fmt::format("liblzma: {}", lzma_problem(status)));
    std::unique_ptr<lzma_stream, LzmaEnd> ending(&stream);
    std::vector<std::byte> out(kChunk);
    uint64_t total = 0;
    bool more = true;
    while (status != LZMA_STREAM_END) {
        if (stream.avail_in == 0 && more) {
            PYXRAY_TRY(refilled, input.refill());
            more = refilled;
            stream.next_in = reinterpret_cast<const uint8_t*>(input.buffer.data());
            stream.avail_in = input.size;
        }
        stream.next_out = reinterpret_cast<uint8_t*>(out.data());
        stream.avail_out = out.size();
        // LZMA_FINISH at the end: with LZMA_CONCATENATED, how the decoder learns no stream follows.
        status = lzma_code(&stream, more ? LZMA_RUN : LZMA_FINISH);
        size_t produced = out.size() - stream.avail_out;
        PYXRAY_TRY_VOID(write(std::span(out.data(), produced)));
        total += produced;
        if (status == LZMA_BUF_ERROR && !more)
            return truncated("xz", input.consumed, "before the end of its stream");
        if (status != LZMA_OK && status != LZMA_STREAM_END)
            return corrupt("xz", input.consumed + (input.size - stream.avail_in), lzma_problem(status));
    }
    return total;
}

struct ZlibEnd {
    void operator()(z_stream* stream) const { inflateEnd(stream); }
};

// gzip files may hold several members one after another (`cat a.gz b.gz`): each is inflated in turn.
Result<uint64_t> decompress_gzip(Input& input, const WriteBytes& write) {
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
        return fail(ErrorCode::Internal, "zlib cannot allocate a decompression context");
    std::unique_ptr<z_stream, ZlibEnd> ending(&stream);
    std::vector<std::byte> out(kChunk);
    uint64_t total = 0;
    bool in_member = true;
    while (true) {
        if (stream.avail_in == 0) {
            PYXRAY_TRY(more, input.refill());
            if (!more) break;
            stream.next_in = reinterpret_cast<Bytef*>(input.buffer.data());
            stream.avail_in = static_cast<uInt>(input.size);
        }
        if (!in_member) {
            inflateReset(&stream);
            in_member = true;
        }
        stream.next_out = reinterpret_cast<Bytef*>(out.data());
        stream.avail_out = static_cast<uInt>(out.size());
        int status = inflate(&stream, Z_NO_FLUSH);
        uint64_t at = input.consumed + (input.size - stream.avail_in);
        if (status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR ||
            status == Z_STREAM_ERROR)
            return corrupt("gzip", at, stream.msg != nullptr ? stream.msg : "zlib error");
        size_t produced = out.size() - stream.avail_out;
        PYXRAY_TRY_VOID(write(std::span(out.data(), produced)));
        total += produced;
        if (status == Z_STREAM_END) in_member = false;
    }
    if (in_member) return truncated("gzip", input.consumed, "in the middle of a member");
    return total;
}

}  // namespace

std::string_view compression_name(Compression compression) {
    switch (compression) {
        case Compression::Zstd:
            return "zstd";
        case Compression::Lz4:
            return "lz4";
        case Compression::Xz:
            return "xz";
        case Compression::Gzip:
            return "gzip";
        case Compression::None:
            break;
    }
    return "none";
}

Compression compression_of(std::span<const std::byte> head) {
    if (starts_with(head, kZstdMagic)) return Compression::Zstd;
    if (starts_with(head, kLz4FrameMagic)) return Compression::Lz4;
    if (starts_with(head, kXzMagic)) return Compression::Xz;
    if (starts_with(head, kGzipMagic)) return Compression::Gzip;
    return Compression::None;
}

Result<uint64_t> decompress(Compression compression, const ReadBytes& read, const WriteBytes& write) {
    Input input{read};
    switch (compression) {
        case Compression::Zstd:
            return decompress_zstd(input, write);
        case Compression::Lz4:
            return decompress_lz4(input, write);
        case Compression::Xz:
            return decompress_xz(input, write);
        case Compression::Gzip:
            return decompress_gzip(input, write);
        case Compression::None:
            break;
    }
    return fail(ErrorCode::InvalidArgument, "not a compressed stream");
}

}  // namespace pyxray

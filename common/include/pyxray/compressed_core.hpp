// Compressed cores (systemd-coredump's zstd, older lz4 and xz, gzip): told from an ELF core by
// their magic bytes, never by file name, and decompressed once, streaming, into an unnamed
// temporary file under $TMPDIR that CoreFile then reads like any core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "pyxray/result.hpp"

namespace pyxray {

enum class Compression : uint8_t { None, Zstd, Lz4, Xz, Gzip };

// "zstd", "lz4", "xz", "gzip"; "none".
std::string_view compression_name(Compression compression);

// The format the first bytes of a file announce (6 are enough for every format); None for an
// ELF file, anything unknown and anything shorter than its magic.
Compression compression_of(std::span<const std::byte> head);

// Pulls compressed bytes: fills a prefix of the span and returns its length, 0 at end of input.
using ReadBytes = std::function<Result<size_t>(std::span<std::byte>)>;
// Pushes decompressed bytes.
using WriteBytes = std::function<Result<void>(std::span<const std::byte>)>;

// Decompresses every frame/member/stream of `compression` from `read` into `write`, holding
// only a buffer's worth at a time. Returns the decompressed size, or one line saying which
// format's stream was truncated or corrupt and at which compressed byte.
Result<uint64_t> decompress(Compression compression, const ReadBytes& read, const WriteBytes& write);

struct DecompressionProgress {
    Compression compression = Compression::None;
    std::string directory;  // where the temporary file lives ($TMPDIR, else /tmp)
    uint64_t compressed_size = 0;
    uint64_t compressed_done = 0;
    uint64_t decompressed = 0;
};

// What opening a compressed core tells its caller (the core library prints nothing): once when
// it starts, after each chunk while it runs, once when it has finished or failed.
struct DecompressionObserver {
    std::function<void(const DecompressionProgress&)> started = {};
    std::function<void(const DecompressionProgress&)> progressed = {};
    std::function<void(const DecompressionProgress&, bool succeeded)> ended = {};
};

// An open file holding a core's ELF bytes: the file at `path` itself, or, when its magic says
// it is compressed, an unnamed temporary file under $TMPDIR (else /tmp) holding it
// decompressed. That file is unlinked as soon as it is made, so the space comes back when the
// descriptor closes, also on an error, Ctrl-C or a kill.
struct CoreBytes {
    int fd = -1;  // owned: closed by the destructor
    Compression compression = Compression::None;
    CoreBytes() = default;
    CoreBytes(const CoreBytes&) = delete;
    CoreBytes& operator=(const CoreBytes&) = delete;
    CoreBytes(CoreBytes&& other) noexcept;
    CoreBytes& operator=(CoreBytes&& other) noexcept;
    ~CoreBytes();
    int release();  // gives up ownership of fd
};

// Fails with one line ("cannot read core 'PATH': ...") for a missing or unreadable file, a
// truncated or corrupt compressed stream, or a temporary directory that cannot hold the result.
Result<CoreBytes> open_core_bytes(const std::string& path, const DecompressionObserver& observer = {});

}  // namespace pyxray

// Opening a core's bytes: the file itself, or its decompressed copy in an unnamed temporary file.
#include "pyxray/compressed_core.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace pyxray {
namespace {

pyxray::unexpected<Error> problem(const std::string& path, const std::string& what) {
    return fail(ErrorCode::Io, fmt::format("cannot read core '{}': {}", path, what));
}

std::string temporary_directory() {
    const char* directory = std::getenv("TMPDIR");
    return directory != nullptr && *directory != '\0' ? directory : "/tmp";
}

// mkstemp then unlink at once: nothing is left behind whatever ends the process.
Result<CoreBytes> unnamed_temporary_file(const std::string& directory) {
    std::string pattern = directory + "/pyxray-core-XXXXXX";
    int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0)
        return fail(ErrorCode::Io,
                    fmt::format("cannot make a temporary file in {} to decompress it into: {}; "
                                "set TMPDIR to a writable directory",
                                directory, std::strerror(errno)));
    ::unlink(pattern.c_str());
    CoreBytes bytes;
    bytes.fd = fd;
    return bytes;
}

Result<size_t> read_some(int fd, std::span<std::byte> into) {
    while (true) {
        ssize_t got = ::read(fd, into.data(), into.size());
        if (got >= 0) return static_cast<size_t>(got);
        if (errno != EINTR) return fail(ErrorCode::Io, fmt::format("read error: {}", std::strerror(errno)));
    }
}

Result<void> write_all(int fd, std::span<const std::byte> bytes, const DecompressionProgress& progress) {
    while (!bytes.empty()) {
        ssize_t put = ::write(fd, bytes.data(), bytes.size());
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0)
            return fail(ErrorCode::Io,
                        fmt::format("cannot write its decompressed copy to {} after {} bytes: {}; set TMPDIR "
                                    "to a directory with room for the whole core",
                                    progress.directory, progress.decompressed, std::strerror(errno)));
        bytes = bytes.subspan(static_cast<size_t>(put));
    }
    return {};
}

Result<CoreBytes> decompress_to_temporary(const std::string& path, int fd, Compression compression,
                                          uint64_t size, const DecompressionObserver& observer) {
    DecompressionProgress progress{compression, temporary_directory(), size, 0, 0};
    auto made = unnamed_temporary_file(progress.directory);
    if (!made) return problem(path, made.error().message);
    CoreBytes out = std::move(*made);
    if (observer.started) observer.started(progress);
    auto read = [&](std::span<std::byte> into) -> Result<size_t> {
        PYXRAY_TRY(got, read_some(fd, into));
        progress.compressed_done += got;
        if (observer.progressed) observer.progressed(progress);
        return got;
    };
    auto write = [&](std::span<const std::byte> bytes) -> Result<void> {
        PYXRAY_TRY_VOID(write_all(out.fd, bytes, progress));
        progress.decompressed += bytes.size();
        return {};
    };
    auto total = decompress(compression, read, write);
    if (observer.ended) observer.ended(progress, total.has_value());
    if (!total) return problem(path, total.error().message);
    out.compression = compression;
    return out;
}

}  // namespace

CoreBytes::CoreBytes(CoreBytes&& other) noexcept
    : fd(std::exchange(other.fd, -1)), compression(other.compression) {}

CoreBytes& CoreBytes::operator=(CoreBytes&& other) noexcept {
    if (this != &other) {
        if (fd >= 0) ::close(fd);
        fd = std::exchange(other.fd, -1);
        compression = other.compression;
    }
    return *this;
}

CoreBytes::~CoreBytes() {
    if (fd >= 0) ::close(fd);
}

int CoreBytes::release() { return std::exchange(fd, -1); }

Result<CoreBytes> open_core_bytes(const std::string& path, const DecompressionObserver& observer) {
    CoreBytes file;
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) return problem(path, fmt::format("{}; check the path", std::strerror(errno)));
    struct stat info;
    if (fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode)) return problem(path, "not a regular file");
    std::byte head[8] = {};
    ssize_t got = ::pread(file.fd, head, sizeof(head), 0);
    Compression compression = compression_of(std::span(head, got > 0 ? static_cast<size_t>(got) : 0));
    if (compression == Compression::None) return file;
    return decompress_to_temporary(path, file.fd, compression, static_cast<uint64_t>(info.st_size), observer);
}

}  // namespace pyxray

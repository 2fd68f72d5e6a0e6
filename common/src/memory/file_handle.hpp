// An owned file descriptor, closed exactly once; shared between memory objects that read one file.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pyxray::detail {

class FileHandle {
public:
    explicit FileHandle(int fd) : fd_(fd) {}
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;
    ~FileHandle() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const { return fd_; }

    // Opens read-only; on failure returns nullptr and leaves errno set.
    static std::shared_ptr<const FileHandle> open_read_only(const std::string& path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return nullptr;
        return std::make_shared<const FileHandle>(fd);
    }

    // Reads up to `size` bytes at `offset`, retrying on EINTR and short reads; returns the
    // number of bytes read (less than `size` at end of file or on error, errno then tells).
    size_t read_at(uint64_t offset, void* out, size_t size) const {
        size_t done = 0;
        while (done < size) {
            ssize_t got =
                ::pread(fd_, static_cast<char*>(out) + done, size - done, static_cast<off_t>(offset + done));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;
            done += static_cast<size_t>(got);
        }
        return done;
    }

private:
    int fd_ = -1;
};

}  // namespace pyxray::detail

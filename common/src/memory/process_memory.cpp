// A live process's memory: process_vm_readv, with /proc/PID/mem for what it cannot do.
#include <fmt/format.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "memory/file_handle.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {
namespace {

class ProcessMemory final : public Memory {
public:
    explicit ProcessMemory(int pid) : pid_(pid) {}

    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        if (out.empty()) return {};
        size_t got = 0;
        if (!use_proc_mem_) {
            int error = vm_read(address, out, got);
            if (error == 0 && got == out.size()) return {};
            // EPERM/ENOSYS: a kernel or sandbox that forbids the call, so use /proc/PID/mem from
            // now on. A partial read: /proc/PID/mem tells exactly where the readable part ends.
            if (error == EPERM || error == ENOSYS)
                use_proc_mem_ = true;
            else if (error != 0)
                return unreadable(address, out.size(), address, error);
        }
        return read_proc_mem(address, out, got);
    }

    // process_vm_readv with one iovec per range, up to the kernel's limit per call. The kernel
    // never splits a remote iovec: it stops before the first range it cannot read whole, which
    // is then read alone (where read() finds what /proc/PID/mem can give) and the rest goes on.
    void read_batch(std::span<BatchRead> reads) const override {
        size_t next = 0;
        while (next < reads.size()) {
            if (use_proc_mem_) {
                for (; next < reads.size(); ++next) reads[next].readable = read_one(reads[next]);
                return;
            }
            size_t end = std::min(reads.size(), next + kMaxIovecs);
            size_t bytes = vm_read_many(reads.subspan(next, end - next));
            for (; next < end && bytes >= reads[next].out.size(); ++next) {
                bytes -= reads[next].out.size();
                reads[next].readable = true;
            }
            if (next < end) {
                reads[next].readable = read_one(reads[next]);
                ++next;
            }
        }
    }

    bool reads_in_batches() const override { return true; }

private:
    static constexpr size_t kMaxIovecs = 1024;  // UIO_MAXIOV

    bool read_one(BatchRead& each) const { return read(each.address, each.out).has_value(); }

    // The bytes read from the front of `reads` (0 when the call failed).
    size_t vm_read_many(std::span<BatchRead> reads) const {
        local_.resize(reads.size());
        remote_.resize(reads.size());
        for (size_t i = 0; i < reads.size(); ++i) {
            local_[i] = iovec{reads[i].out.data(), reads[i].out.size()};
            remote_[i] = iovec{reinterpret_cast<void*>(reads[i].address), reads[i].out.size()};
        }
        ssize_t result =
            ::process_vm_readv(pid_, local_.data(), reads.size(), remote_.data(), reads.size(), 0);
        return result < 0 ? 0 : static_cast<size_t>(result);
    }

    // Returns 0 or the errno of the failure; `got` is the count of bytes read.
    int vm_read(uint64_t address, std::span<std::byte> out, size_t& got) const {
        iovec local{out.data(), out.size()};
        iovec remote{reinterpret_cast<void*>(address), out.size()};
        ssize_t result = ::process_vm_readv(pid_, &local, 1, &remote, 1, 0);
        if (result < 0) return errno;
        got = static_cast<size_t>(result);
        return 0;
    }

    // `known_good`: how many leading bytes process_vm_readv already found readable.
    Result<void> read_proc_mem(uint64_t address, std::span<std::byte> out, size_t known_good) const {
        if (!proc_mem_) {
            proc_mem_ = detail::FileHandle::open_read_only(fmt::format("/proc/{}/mem", pid_));
            if (!proc_mem_) return unreadable(address, out.size(), address + known_good, errno);
        }
        errno = 0;
        size_t got = proc_mem_->read_at(address, out.data(), out.size());
        if (got == out.size()) return {};
        return unreadable(address, out.size(), address + got, errno == 0 ? EIO : errno);
    }

    Result<void> unreadable(uint64_t address, size_t size, uint64_t bad, int error) const {
        std::string why = error == ESRCH ? fmt::format("process {} is gone", pid_) : std::strerror(error);
        return fail(ErrorCode::Unreadable,
                    fmt::format("cannot read {} bytes at 0x{:x} in process {}: 0x{:x} is unreadable ({})",
                                size, address, pid_, bad, why),
                    bad);
    }

    int pid_;
    mutable bool use_proc_mem_ = false;
    mutable std::shared_ptr<const detail::FileHandle> proc_mem_;
    mutable std::vector<iovec> local_, remote_;  // read_batch's, kept between batches
};

}  // namespace

std::unique_ptr<Memory> make_process_memory(int pid) { return std::make_unique<ProcessMemory>(pid); }

}  // namespace pyxray

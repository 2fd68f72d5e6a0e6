// A live process's memory: process_vm_readv, with /proc/PID/mem for what it cannot do.
#include <fmt/format.h>
#include <sys/uio.h>

#include <cstring>

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

private:
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
};

}  // namespace

std::unique_ptr<Memory> make_process_memory(int pid) { return std::make_unique<ProcessMemory>(pid); }

}  // namespace pyxray

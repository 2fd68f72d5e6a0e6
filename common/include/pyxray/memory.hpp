// One small interface for every source of target memory, typed helpers on top.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "pyxray/result.hpp"

namespace pyxray {

class Memory {
public:
    virtual ~Memory() = default;
    // Fills `out` with the target's bytes at `address`, or fails with ErrorCode::Unreadable.
    virtual Result<void> read(uint64_t address, std::span<std::byte> out) const = 0;
    // Forget anything cached; front-ends call it whenever the target has run.
    virtual void invalidate() const {}

    // One range of a batch: `readable` tells whether all of `out` was filled.
    struct BatchRead {
        uint64_t address = 0;
        std::span<std::byte> out;
        bool readable = false;
    };
    // Fills each range that is readable. The default reads them one by one; a source that can
    // read many ranges in one call (process_vm_readv takes many iovecs) says so with
    // reads_in_batches() and overrides it.
    virtual void read_batch(std::span<BatchRead> reads) const {
        for (BatchRead& each : reads) each.readable = read(each.address, each.out).has_value();
    }
    virtual bool reads_in_batches() const { return false; }
};

template <class T>
Result<T> read_value(const Memory& memory, uint64_t address) {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    PYXRAY_TRY_VOID(memory.read(address, std::as_writable_bytes(std::span<T, 1>(&value, 1))));
    return value;
}

inline Result<uint64_t> read_pointer(const Memory& memory, uint64_t address) {
    return read_value<uint64_t>(memory, address);
}

Result<std::vector<std::byte>> read_bytes(const Memory& memory, uint64_t address, size_t size);

// Reads a NUL-terminated string of at most `max_length` bytes.
Result<std::string> read_c_string(const Memory& memory, uint64_t address, size_t max_length = 256);

// ---- sources ----

// A live process: process_vm_readv, falling back to /proc/PID/mem.
std::unique_ptr<Memory> make_process_memory(int pid);

// Whatever the debugger reads for us. The callback returns false when the range is unreadable.
using ReadCallback = std::function<bool(uint64_t address, std::span<std::byte> out)>;
std::unique_ptr<Memory> make_callback_memory(ReadCallback callback);

// Fixed bytes at fixed addresses, for tests.
class BufferMemory final : public Memory {
public:
    void add(uint64_t address, std::vector<std::byte> bytes);
    void add(uint64_t address, const void* data, size_t size);
    Result<void> read(uint64_t address, std::span<std::byte> out) const override;

private:
    struct Region {
        uint64_t address;
        std::vector<std::byte> bytes;
    };
    std::vector<Region> regions_;
};

// Page cache in front of another source. `invalidate()` drops every page. When the source
// reads in batches, the first read after `invalidate()` reloads the pages read since the
// previous one in one batch: a sampler reads the same few pages every sample.
std::unique_ptr<Memory> make_cached_memory(std::unique_ptr<Memory> inner, size_t max_pages = 65536);

}  // namespace pyxray

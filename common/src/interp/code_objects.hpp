// Code objects read once: names, file, first line and location table. A cache kept across
// snapshots (a sampler's) checks each code object again in every snapshot that meets it: the
// one read may have been freed and another allocated at its address.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

struct CodeInfo {
    std::string name;
    std::string qualname;
    std::string filename;
    int first_line = 0;
    int first_traceable = 0;  // index of the first code unit a frame must reach to count
    uint64_t code_units = 0;  // address of co_code_adaptive
    // Free-threaded 3.14+: co_tlbc, the address of the _PyCodeArray of the threads' own copies
    // of the bytecode (entry 0 is co_code_adaptive). Nothing in other builds.
    std::optional<uint64_t> thread_copies;
    std::vector<uint8_t> linetable;

    int line_at(int code_unit) const;

    // What tells this code object from another later allocated at its address: its type and
    // the objects and first line it was created with (a code object never changes them). Also
    // co_tlbc, whose copies belong to threads that come and go.
    struct Identity {
        uint64_t type = 0, filename = 0, name = 0, qualname = 0, linetable = 0, thread_copies = 0;
        int32_t first_line = 0;
        bool operator==(const Identity&) const = default;
    };
    Identity identity;

    // The same code object seen in a later snapshot: the threads' bytecode copies are read again.
    void forget_thread_copies() const { copies_.clear(); }

    // Where the bytecode a frame executes starts: co_code_adaptive, or in free-threaded 3.14+
    // the copy the frame's tlbc_index names, read (bounded) from co_tlbc. An index the array
    // does not hold is an error that says so.
    Result<uint64_t> bytecode_start(const Memory& memory, std::optional<int32_t> tlbc_index) const;

private:
    Result<uint64_t> read_thread_copy(const Memory& memory, int32_t index) const;

    mutable std::unordered_map<int, int> lines_;            // code unit -> line, filled on demand
    mutable std::unordered_map<int32_t, uint64_t> copies_;  // tlbc index -> its bytecode
};

class CodeCache {
public:
    CodeCache(const Memory& memory, const Offsets& offsets) : memory_(memory), offsets_(offsets) {}
    // The code object at `address`, or why it cannot be one. Failures are cached too, until
    // the next snapshot.
    Result<const CodeInfo*> get(uint64_t address);
    // The target has run: each cached code object is checked once more before it is used.
    void begin_snapshot() { ++snapshot_; }
    const Memory& memory() const { return memory_; }

private:
    struct Entry {
        Result<std::unique_ptr<CodeInfo>> info;
        uint64_t checked_in = 0;  // the snapshot that last read or checked it
    };
    Result<CodeInfo> read(uint64_t address);
    Result<std::vector<std::byte>> read_header(uint64_t address);
    CodeInfo::Identity identity_of(std::span<const std::byte> header) const;
    bool still_the_same(uint64_t address, const CodeInfo& info);
    Result<void> check_is_code(uint64_t address);
    bool shaped_like_code(uint64_t type) const;

    const Memory& memory_;
    const Offsets& offsets_;
    std::unordered_map<uint64_t, Entry> codes_;
    uint64_t snapshot_ = 0;
    std::unordered_map<uint64_t, bool> type_is_code_;
};

}  // namespace pyxray

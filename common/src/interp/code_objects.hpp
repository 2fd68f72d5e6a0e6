// Code objects read once per snapshot: names, file, first line and location table.
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
    // The code object at `address`, or why it cannot be one. Failures are cached too.
    Result<const CodeInfo*> get(uint64_t address);

private:
    Result<CodeInfo> read(uint64_t address);
    Result<void> check_is_code(uint64_t address);
    bool shaped_like_code(uint64_t type) const;

    const Memory& memory_;
    const Offsets& offsets_;
    std::unordered_map<uint64_t, Result<std::unique_ptr<CodeInfo>>> codes_;
    std::unordered_map<uint64_t, bool> type_is_code_;
};

}  // namespace pyxray

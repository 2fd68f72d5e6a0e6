// Memory read by a debugger on our behalf (gdb's read_memory, LLDB's SBProcess::ReadMemory).
#include <fmt/format.h>

#include "pyxray/memory.hpp"

namespace pyxray {
namespace {

class CallbackMemory final : public Memory {
public:
    explicit CallbackMemory(ReadCallback callback) : callback_(std::move(callback)) {}

    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        if (out.empty()) return {};
        if (callback_ && call(address, out)) return {};
        return fail(ErrorCode::Unreadable,
                    fmt::format("cannot read {} bytes at 0x{:x}: the debugger could not read them",
                                out.size(), address),
                    address);
    }

private:
    // A callback into a debugger's scripting layer may throw; nothing escapes a memory read.
    bool call(uint64_t address, std::span<std::byte> out) const {
        try {
            return callback_(address, out);
        } catch (...) {
            return false;
        }
    }

    ReadCallback callback_;
};

}  // namespace

std::unique_ptr<Memory> make_callback_memory(ReadCallback callback) {
    return std::make_unique<CallbackMemory>(std::move(callback));
}

}  // namespace pyxray

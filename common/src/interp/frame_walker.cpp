#include "interp/frame_walker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "interp/strings.hpp"

namespace pyxray {
namespace {

// A deep recursion of frames with the same damage says it once per frame: keep the first few.
constexpr size_t kMaxFrameNotes = 16;

struct RawFrame {
    uint64_t code = 0;
    uint64_t previous = 0;
    uint64_t instr_ptr = 0;
    uint8_t owner = 0;
    bool is_entry = false;
    std::optional<int32_t> tlbc_index;  // free-threaded 3.14+: which copy of the bytecode runs
};

Result<RawFrame> read_raw_frame(const Memory& memory, const Offsets& offsets, uint64_t address) {
    const auto& layout = offsets.interpreter_frame;
    std::array<std::byte, 256> buffer;  // more than any _PyInterpreterFrame's fixed part
    if (layout.size > buffer.size())
        return fail(ErrorCode::Internal, fmt::format("frame layout of {} bytes", layout.size), address);
    std::span<std::byte> bytes(buffer.data(), layout.size);
    PYXRAY_TRY_VOID(memory.read(address, bytes));
    RawFrame frame;
    std::memcpy(&frame.code, bytes.data() + layout.executable, 8);
    frame.code &= ~layout.stackref_tag_bits;  // 3.14+: a _PyStackRef, tag bits in the low bits
    std::memcpy(&frame.previous, bytes.data() + layout.previous, 8);
    std::memcpy(&frame.instr_ptr, bytes.data() + layout.instr_ptr, 8);
    frame.owner = static_cast<uint8_t>(bytes[layout.owner]);
    if (layout.is_entry) frame.is_entry = bytes[*layout.is_entry] != std::byte{0};
    if (layout.tlbc_index) {
        int32_t index = 0;
        std::memcpy(&index, bytes.data() + *layout.tlbc_index, sizeof(index));
        frame.tlbc_index = index;
    }
    return frame;
}

// A frame that has not yet run its first traceable instruction is invisible to Python's own
// tracebacks (_PyFrame_IsIncomplete in pycore_frame.h); pyxray hides it the same way. 3.13
// renamed prev_instr to instr_ptr but kept this comparison (and _PyInterpreterFrame_LASTI).
// `bytecode` is where the frame's bytecode starts (_PyFrame_GetBytecode: free-threaded 3.14+
// runs a thread-local copy of it).
bool is_incomplete(const RawFrame& frame, uint64_t bytecode, const CodeInfo& code,
                   const FrameOwners& owners) {
    return frame.owner != owners.generator &&
           frame.instr_ptr < bytecode + 2 * static_cast<uint64_t>(code.first_traceable);
}

// prev_instr points at the last code unit started (3.11-3.12), instr_ptr at the one executing
// (3.13+): either way it is the code unit whose line Python reports, counted from the start of
// the bytecode copy the frame runs.
int current_code_unit(const RawFrame& frame, uint64_t bytecode) {
    int64_t delta = static_cast<int64_t>(frame.instr_ptr - bytecode);
    return static_cast<int>(delta / 2);
}

// The frame as Python shows it, or nothing while it is incomplete. When its bytecode copy
// cannot be found (a tlbc_index co_tlbc does not hold) the frame is still shown, its line
// unknown, and a note on the thread says why.
std::optional<PyFrame> python_frame(const Memory& memory, const RawFrame& raw, uint64_t address,
                                    const CodeInfo& info, const FrameOwners& owners, PyThread& thread) {
    PyFrame frame{info.name, info.qualname, info.filename, -1, address, raw.code, raw.is_entry};
    auto bytecode = info.bytecode_start(memory, raw.tlbc_index);
    if (!bytecode) {
        if (thread.notes.size() < kMaxFrameNotes)
            thread.notes.push_back(
                fmt::format("frame at {:#x}: line unknown: {}", address, bytecode.error().message));
        else if (thread.notes.size() == kMaxFrameNotes)
            thread.notes.push_back("more frames whose line is unknown are not listed");
        return frame;
    }
    if (is_incomplete(raw, *bytecode, info, owners)) return std::nullopt;
    frame.line = info.line_at(current_code_unit(raw, *bytecode));
    return frame;
}

// 3.12+ pushes a shim frame below each eval-loop call's first frame (owned by the C stack in
// 3.12-3.13, by the interpreter from 3.14).
bool is_shim(const RawFrame& frame, const Offsets& offsets) {
    return !offsets.interpreter_frame.is_entry && frame.owner == offsets.interpreter_frame.owners.shim;
}

// Frames that are neither Python code nor an eval call's boundary: 3.14's C-stack frames and
// 3.15's base frame. _PyFrame_IsIncomplete counts every owner from the shim's on as incomplete.
bool is_other_non_python(const RawFrame& frame, const FrameOwners& owners) {
    return frame.owner == owners.c_stack || frame.owner == owners.thread_base;
}

bool is_thread_base(const RawFrame& frame, const FrameOwners& owners) {
    return owners.thread_base && frame.owner == *owners.thread_base;
}

// 3.15 puts a base frame at the bottom of every thread's chain, so a chain that ends anywhere
// else was cut short (being unwound or torn): say so rather than present it as whole.
std::optional<std::string> check_reached_base(const Memory& memory, const Offsets& offsets,
                                              const PyThread& thread, uint64_t last, bool reached) {
    if (!offsets.thread_state.base_frame || last == 0) return std::nullopt;
    auto base = read_pointer(memory, thread.tstate + *offsets.thread_state.base_frame);
    if (!base) return fmt::format("unreadable base frame pointer in thread state {:#x}", thread.tstate);
    if (reached && last == *base) return std::nullopt;
    return fmt::format("frame chain ends at {:#x}, not at the thread's base frame {:#x}", last, *base);
}

// 3.13's f_executable is "code object or None": a frame running something other than code has
// no Python location to show, but the frames below it still do.
bool is_non_code_executable(const Memory& memory, const Offsets& offsets, uint64_t executable) {
    if (!offsets.interpreter_frame.executable_may_be_non_code) return false;
    auto type = read_type_name(memory, offsets, executable);
    return type && *type != "code";
}

}  // namespace

bool VisitedFrames::insert(uint64_t address) {
    if (many_.empty()) {
        auto end = recent_.begin() + static_cast<std::ptrdiff_t>(few_);
        if (std::find(recent_.begin(), end, address) != end) return false;
        if (few_ < recent_.size()) {
            recent_[few_++] = address;
            return true;
        }
        many_.insert(recent_.begin(), recent_.end());
        few_ = 0;
    }
    return many_.insert(address).second;
}

void FrameWalker::walk(uint64_t newest_frame, PyThread& thread) const {
    VisitedFrames visited;
    size_t segment = 0;
    auto close_segment = [&] {
        thread.segment_sizes.push_back(segment);
        segment = 0;
    };
    const FrameOwners& owners = offsets_.interpreter_frame.owners;
    uint64_t address = newest_frame, last = 0;
    bool at_base = false;
    while (address != 0) {
        if (visited.size() >= max_frames_) {
            thread.truncated = fmt::format("stopped after {} frames at {:#x}", max_frames_, address);
            break;
        }
        if (!visited.insert(address)) {
            thread.truncated = fmt::format("frame chain loops back to {:#x}", address);
            break;
        }
        auto raw = read_raw_frame(memory_, offsets_, address);
        if (!raw) {
            thread.truncated = fmt::format("unreadable frame at {:#x}", address);
            break;
        }
        last = address;
        at_base = is_thread_base(*raw, owners);
        if (is_other_non_python(*raw, owners)) {
            address = raw->previous;
            continue;
        }
        if (is_shim(*raw, offsets_)) {
            if (thread.innermost_shim == 0) thread.innermost_shim = address;
            close_segment();
            address = raw->previous;
            continue;
        }
        auto code = codes_.get(raw->code);
        if (!code && is_non_code_executable(memory_, offsets_, raw->code)) {
            address = raw->previous;
            continue;
        }
        if (!code) {
            thread.truncated = fmt::format("frame at {:#x}: {}", address, code.error().message);
            break;
        }
        if (auto frame = python_frame(memory_, *raw, address, **code, owners, thread)) {
            thread.frames.push_back(std::move(*frame));
            ++segment;
        }
        if (raw->is_entry) close_segment();
        address = raw->previous;
    }
    if (segment > 0) close_segment();
    if (!thread.truncated) thread.truncated = check_reached_base(memory_, offsets_, thread, last, at_base);
}

}  // namespace pyxray

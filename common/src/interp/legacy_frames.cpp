#include "interp/legacy_frames.hpp"

#include <fmt/format.h>

#include <cstring>

#include "interp/frame_walker.hpp"
#include "interp/lnotab.hpp"

namespace pyxray {
namespace {

struct RawFrameObject {
    uint64_t back = 0;
    uint64_t code = 0;
    uint64_t trace = 0;
    int32_t lasti = -1;
    int32_t lineno = 0;
};

Result<RawFrameObject> read_frame_object(const Memory& memory, const FrameObjectOffsets& layout,
                                         uint64_t address) {
    PYXRAY_TRY(bytes, read_bytes(memory, address, layout.size));
    RawFrameObject frame;
    std::memcpy(&frame.back, bytes.data() + layout.back, 8);
    std::memcpy(&frame.code, bytes.data() + layout.code, 8);
    std::memcpy(&frame.trace, bytes.data() + layout.trace, 8);
    std::memcpy(&frame.lasti, bytes.data() + layout.lasti, 4);
    std::memcpy(&frame.lineno, bytes.data() + layout.lineno, 4);
    return frame;
}

}  // namespace

// 3.8-3.9: f_lineno is only kept up to date while a trace function is set (frameobject.h), so
// PyFrame_GetLineNumber uses it then and the line table otherwise. 3.10 (bpo-43933) keeps
// f_lineno at 0 unless tracing set it, and tests that instead.
int legacy_frame_line(const FrameObjectOffsets& layout, const CodeInfo& code, int lasti, int lineno,
                      bool tracing) {
    if (layout.line_table == LineTableFormat::Linetable310) {
        if (lineno != 0) return lineno;
        int byte_offset = lasti < 0 ? lasti : lasti * 2;
        return linetable310_line(code.linetable, code.first_line, byte_offset);
    }
    if (tracing) return lineno;
    return lnotab_line(code.linetable, code.first_line, lasti);
}

LegacyFrameWalker::LegacyFrameWalker(const Memory& memory, const Offsets& offsets, CodeCache& codes,
                                     size_t max_frames)
    : memory_(memory), layout_(*offsets.frame_object), codes_(codes), max_frames_(max_frames) {}

void LegacyFrameWalker::walk(uint64_t newest_frame, PyThread& thread) const {
    VisitedFrames visited;
    for (uint64_t address = newest_frame; address != 0;) {
        if (visited.size() >= max_frames_) {
            thread.truncated = fmt::format("stopped after {} frames at {:#x}", max_frames_, address);
            break;
        }
        if (!visited.insert(address)) {
            thread.truncated = fmt::format("frame chain loops back to {:#x}", address);
            break;
        }
        auto raw = read_frame_object(memory_, layout_, address);
        if (!raw) {
            thread.truncated = fmt::format("unreadable frame object at {:#x}", address);
            break;
        }
        auto code = codes_.get(raw->code);
        if (!code) {
            thread.truncated = fmt::format("frame object at {:#x}: {}", address, code.error().message);
            break;
        }
        const CodeInfo& info = **code;
        int line = legacy_frame_line(layout_, info, raw->lasti, raw->lineno, raw->trace != 0);
        // No co_qualname before 3.11: the code object's qualname field is co_name.
        thread.frames.push_back(
            PyFrame{info.name, info.qualname, info.filename, line, address, raw->code, true});
        thread.segment_sizes.push_back(1);
        address = raw->back;
    }
}

Result<uint64_t> newest_frame_object(const Memory& memory, const Offsets& offsets, uint64_t tstate) {
    if (!offsets.thread_state.frame)
        return fail(ErrorCode::Internal, "layout table has no PyThreadState.frame", tstate);
    return read_pointer(memory, tstate + *offsets.thread_state.frame);
}

Result<PyThread> read_legacy_thread(const Memory& memory, const Offsets& offsets, uint64_t tstate,
                                    int64_t interpreter_id, CodeCache& codes, bool with_frames) {
    PyThread thread;
    thread.tstate = tstate;
    thread.interpreter_id = interpreter_id;
    PYXRAY_TRY(thread_id, read_value<uint64_t>(memory, tstate + offsets.thread_state.thread_id));
    thread.thread_id = thread_id;
    if (!with_frames) return thread;
    auto frame = newest_frame_object(memory, offsets, tstate);
    if (!frame)
        thread.truncated = fmt::format("unreadable frame pointer in thread state {:#x}", tstate);
    else
        LegacyFrameWalker(memory, offsets, codes, kMaxPythonFrames).walk(*frame, thread);
    return thread;
}

}  // namespace pyxray

// Walks one thread's chain of PyFrameObject (CPython 3.8-3.10: tstate->frame, then f_back),
// newest first, bounded and cycle-checked. Each frame in the chain is running in its own
// _PyEval_EvalFrameDefault call, so every frame is its own segment for the merger.
#pragma once

#include <cstdint>

#include "interp/code_objects.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

// True for the layouts whose threads keep PyFrameObject chains (3.8-3.10).
inline bool has_frame_object_chain(const Offsets& offsets) { return offsets.frame_object.has_value(); }

class LegacyFrameWalker {
public:
    LegacyFrameWalker(const Memory& memory, const Offsets& offsets, CodeCache& codes, size_t max_frames);

    // Fills thread.frames, thread.segment_sizes and, when the walk stops early, thread.truncated.
    void walk(uint64_t newest_frame, PyThread& thread) const;

private:
    const Memory& memory_;
    const FrameObjectOffsets& layout_;
    CodeCache& codes_;
    size_t max_frames_;
};

// The newest PyFrameObject of the thread state at `tstate` (0 when the thread runs no Python).
Result<uint64_t> newest_frame_object(const Memory& memory, const Offsets& offsets, uint64_t tstate);

// A 3.8-3.10 thread state: its thread_id (pthread_self) and, with `with_frames`, its frames.
// native_thread_id stays 0: these versions do not record it (see pthread_tids.hpp).
Result<PyThread> read_legacy_thread(const Memory& memory, const Offsets& offsets, uint64_t tstate,
                                    int64_t interpreter_id, CodeCache& codes, bool with_frames);

// The line a 3.8-3.10 frame is on, as PyFrame_GetLineNumber computes it.
int legacy_frame_line(const FrameObjectOffsets& layout, const CodeInfo& code, int lasti, int lineno,
                      bool tracing);

}  // namespace pyxray

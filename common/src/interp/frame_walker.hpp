// Walks one thread's chain of _PyInterpreterFrame (3.11+), newest first, bounded and
// cycle-checked, splitting it into the runs of frames each eval-loop call executes.
#pragma once

#include <cstdint>

#include "interp/code_objects.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

constexpr size_t kMaxPythonFrames = 1'000'000;

class FrameWalker {
public:
    FrameWalker(const Memory& memory, const Offsets& offsets, CodeCache& codes,
                size_t max_frames = kMaxPythonFrames)
        : memory_(memory), offsets_(offsets), codes_(codes), max_frames_(max_frames) {}

    // Fills thread.frames, thread.segment_sizes and, when the walk stops early, thread.truncated.
    void walk(uint64_t newest_frame, PyThread& thread) const;

private:
    const Memory& memory_;
    const Offsets& offsets_;
    CodeCache& codes_;
    size_t max_frames_;
};

}  // namespace pyxray

// Walks one thread's chain of _PyInterpreterFrame (3.11+), newest first, bounded and
// cycle-checked, splitting it into the runs of frames each eval-loop call executes.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_set>

#include "interp/code_objects.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

constexpr size_t kMaxPythonFrames = 1'000'000;

// The frames a walk has met: a short chain (the usual) is searched in a small vector, a long
// one in a hash set; a sampler walks thousands of chains a second.
class VisitedFrames {
public:
    size_t size() const { return few_ + many_.size(); }
    // False when `address` was met before.
    bool insert(uint64_t address);

private:
    std::array<uint64_t, 64> recent_;
    size_t few_ = 0;  // recent_[0, few_) hold the frames met, until many_ takes them over
    std::unordered_set<uint64_t> many_;
};

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

// The heap census behind py-heap: every object each interpreter's collector tracks, counted by
// type, the longest containers and who refers to them, and --deep's untracked objects.
#pragma once

#include "layout/offsets.hpp"
#include "pyxray/heap.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

Result<HeapReport> take_census(const Target& target, const Offsets& offsets, const RuntimeInfo& runtime,
                               const HeapOptions& options);

}  // namespace pyxray

// py-heap --deep: what the tracked objects refer to that the collector does not track (str,
// int, float, bytes, a tuple or dict of atoms), followed breadth-first and counted by type.
#pragma once

#include <cstdint>
#include <vector>

#include "heap/type_counter.hpp"
#include "pyxray/heap.hpp"

namespace pyxray {

// Follows the items of lists, tuples, dicts and sets and the attributes of instances (their
// dict, inline values and slots), from every object in `tracked`, counting each untracked
// object once, up to options.deep_cap of them (report.deep_capped says it was reached).
void count_untracked(const Memory& memory, const Offsets& offsets, TypeCounter& types,
                     std::vector<uint64_t> tracked, const HeapOptions& options, HeapReport& report);

}  // namespace pyxray

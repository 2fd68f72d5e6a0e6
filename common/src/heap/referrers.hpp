// Who refers to the census's biggest containers, where that is cheap to tell: a module's
// global, a class's attribute, a local of a thread's frame. Anything else refers to them
// unnamed (another container, an instance's attribute) and leaves the list empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/heap.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

// `classes` are the heap types the census met. Never fails: what cannot be read is skipped.
void name_referrers(const Memory& memory, const Offsets& offsets, const RuntimeInfo& runtime,
                    const std::vector<uint64_t>& classes, std::vector<HeapContainer>& containers);

}  // namespace pyxray

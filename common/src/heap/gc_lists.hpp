// The objects of a default build's garbage collector: its generation lists (the census's
// gc.get_objects()).
#pragma once

#include <cstdint>

#include "heap/gc_object_walk.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

// Every object on the lists of the _gc_runtime_state at `state`. Each list is circular through
// its head; one that loops elsewhere, points at unreadable memory or passes the cap ends with a
// note, and the objects read so far are kept. `version` names 3.14's incremental lists. With a
// `visit`, each object goes to it instead of into the walk's list.
GcObjectWalk gc_list_objects(const Memory& memory, const GcListOffsets& lists, uint64_t state,
                             const PythonVersion& version, const HeapWalkLimits& limits,
                             const GcObjectVisitor& visit = {});

}  // namespace pyxray

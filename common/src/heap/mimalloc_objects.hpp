// The objects a free-threaded CPython's garbage collector tracks (what gc.get_objects() returns),
// found as gc_free_threading.c finds them: there are no GC lists, so walk mimalloc's pages of the
// GC-object heaps (_Py_MIMALLOC_HEAP_GC and _Py_MIMALLOC_HEAP_GC_PRE) of every thread state and of
// the interpreter's abandoned pool (segments of threads that exited), skipping free blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "heap/gc_object_walk.hpp"
#include "layout/mimalloc_layout.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

// gc.get_objects() leaves out what gc.freeze() moved to the permanent generation; the census
// (heap.md: "what gc.get_objects() lists plus the permanent generation") counts it.
enum class FrozenObjects : uint8_t { Excluded, Included };

// Every GC-tracked object of interpreter `interp` of a free-threaded build (3.13t; 3.14t from its
// headers only, no 3.14t ran here), each once,
// as gc.get_objects() would list them: tracked (_PyGC_BITS_TRACKED), neither frozen (gc.freeze(),
// unless `frozen` says Included) nor marked unreachable by a collection in progress. Reads the size of
// PyThreadState from the target's _Py_DebugOffsets. Fails when the build is not one this walk knows; a walk
// cut short (a cap, a loop, unreadable memory) returns what it found with a note. With a `visit`, each object
// goes to it as its page is read instead of into the walk's list.
Result<GcObjectWalk> free_threaded_gc_objects(const Memory& memory, const Offsets& offsets,
                                              const RuntimeInfo& runtime, uint64_t interp,
                                              const HeapWalkLimits& limits, const GcObjectVisitor& visit = {},
                                              FrozenObjects frozen = FrozenObjects::Excluded);

// How far past PyThreadState a _mimalloc_thread_state is looked for when no mirror says where
// (3.14's _PyThreadStateImpl puts about a dozen fields first).
inline constexpr uint64_t kThreadScanWindow = 4096;

// Where _PyThreadStateImpl keeps its mimalloc state, counted from `tail` (the end of its
// PyThreadState): at `expected` (a mirror's offset) if the state there proves itself (each heap
// points at the state's own tld and carries its heap id as tag), else at the first word-aligned
// offset within kThreadScanWindow where one does; nothing for a thread whose heaps are not bound.
std::optional<uint64_t> find_thread_mimalloc(const Memory& memory, const MimallocLayout& layout,
                                             uint64_t tail, std::optional<uint64_t> expected);

// The walk itself, given where each thread's struct _mimalloc_thread_state lies and, when known,
// the abandoned pool (else the first thread's tld names it): what the unit tests drive.
GcObjectWalk walk_mimalloc_gc_heaps(const Memory& memory, const MimallocLayout& layout,
                                    std::span<const uint64_t> thread_states, std::optional<uint64_t> pool,
                                    const HeapWalkLimits& limits, const GcObjectVisitor& visit = {},
                                    FrozenObjects frozen = FrozenObjects::Excluded);

}  // namespace pyxray

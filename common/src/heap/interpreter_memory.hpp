// The interpreter's own memory next to the heap census (issue 21): obmalloc arenas in use, the
// free lists' lengths and the number of interned strings, each where the version's layout says
// it is. 3.8-3.11 keep most of them in statics of libpython (read through its .symtab); what a
// version keeps where pyxray cannot reach it is said in `notes`, never guessed.
#pragma once

#include <cstdint>

#include "layout/offsets.hpp"
#include "pyxray/heap.hpp"
#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

// InterpreterMemory and FreeListCount are in pyxray/heap.hpp: free lists are named "float",
// "list", "dict", "dict keys", "frame", ... and "tuple[N]" for free N-tuples, in CPython's order
// (as sys._debugmallocstats() lists them); arena_size is obmalloc's bytes per arena.

// `interp` is the PyInterpreterState the numbers are wanted for; 3.8-3.11 keep them in statics
// shared by every interpreter of the process. Every read may fail: a failure is a note.
InterpreterMemory interpreter_memory(const Target& target, const Offsets& offsets, const RuntimeInfo& runtime,
                                     uint64_t interp);

}  // namespace pyxray

// The interpreter's own memory next to the heap census (issue 21): obmalloc arenas in use, the
// free lists' lengths and the number of interned strings, each where the version's layout says
// it is. 3.8-3.11 keep most of them in statics of libpython (read through its .symtab); what a
// version keeps where pyxray cannot reach it is said in `notes`, never guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

struct FreeListCount {
    std::string name;  // "float", "tuple[3]" (free 3-tuples), "list", "dict", "dict keys", ...
    uint64_t count = 0;
};

struct InterpreterMemory {
    std::optional<uint64_t> arenas_in_use;     // obmalloc arenas currently allocated
    std::optional<uint64_t> arena_size;        // bytes per arena for this version
    std::vector<FreeListCount> free_lists;     // in CPython's order, as sys._debugmallocstats() lists them
    std::optional<uint64_t> interned_strings;  // entries of the interned dict
    std::vector<std::string> notes;            // each number not told, and why
};

// `interp` is the PyInterpreterState the numbers are wanted for; 3.8-3.11 keep them in statics
// shared by every interpreter of the process. Every read may fail: a failure is a note.
InterpreterMemory interpreter_memory(const Target& target, const Offsets& offsets, const RuntimeInfo& runtime,
                                     uint64_t interp);

}  // namespace pyxray

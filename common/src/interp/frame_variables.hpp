// A Python frame's variables as Python's own f_locals shows them, and its namespaces, read
// from the frame and its code object without running code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "objects/object_reader.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

// A frame has at most co_nlocalsplus fast locals; CPython caps arguments, not locals, so this
// only bounds what damaged memory can make us read.
constexpr size_t kMaxFrameVariables = 1 << 16;

struct FrameVariable {
    std::string name;
    uint64_t object = 0;  // the bound value (a cell's or free variable's contents, not the cell)
};

struct FrameNamespaces {
    std::vector<FrameVariable> locals;  // in f_locals order; unbound variables left out
    uint64_t globals = 0;               // f_globals, a dict
    uint64_t builtins = 0;              // f_builtins, a dict
};

// `frame` is a 3.11+ _PyInterpreterFrame or a 3.8-3.10 PyFrameObject (whichever `offsets`
// describes) running the code object at `code`.
Result<FrameNamespaces> read_frame_namespaces(const Memory& memory, const Offsets& offsets,
                                              const ObjectReader& objects, uint64_t frame, uint64_t code);

// The objects on a frame's value stack, bottom first, tag bits cleared (an open `with` keeps
// its context manager's bound __exit__ there, a blocked call its callable and self). `exact`
// when the frame saved its stack top, as a frame suspended in a call to a Python function does
// from 3.11 on; otherwise all of co_stacksize slots, those above the unknown top stale.
struct ValueStack {
    std::vector<uint64_t> slots;
    bool exact = false;
};

// `in_python_call`: the frame waits for a Python function it called in the same eval loop (the
// next newer frame is not an entry frame); only such a frame's saved top is current.
Result<ValueStack> read_value_stack(const Memory& memory, const Offsets& offsets, uint64_t frame,
                                    uint64_t code, bool in_python_call);

}  // namespace pyxray

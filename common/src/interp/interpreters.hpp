// The interpreters of a runtime, oldest link first: _PyRuntime.interpreters.head and each
// PyInterpreterState's next, bounded and loop-checked, once for every walk that needs them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

constexpr size_t kMaxInterpreters = 1024;

struct InterpreterList {
    std::vector<uint64_t> interpreters;  // PyInterpreterState addresses
    std::vector<std::string> notes;      // where the list ended early, and why
};

// Fails only when the runtime's head is unreadable.
Result<InterpreterList> read_interpreters(const Memory& memory, const Offsets& offsets, uint64_t runtime);

}  // namespace pyxray

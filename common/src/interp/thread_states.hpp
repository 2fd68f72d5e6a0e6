// Every interpreter's thread states, each with its Python frames.
#pragma once

#include <cstdint>
#include <vector>

#include "interp/code_objects.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

constexpr size_t kMaxInterpreters = 1024;
constexpr size_t kMaxThreadStates = 65536;

// Walks _PyRuntime.interpreters -> PyInterpreterState.threads -> frames. Fails only when the
// runtime itself is unreadable; a broken thread or frame chain ends that walk with a note.
Result<std::vector<PyThread>> read_thread_states(const Memory& memory, const Offsets& offsets,
                                                 uint64_t runtime, CodeCache& codes, bool with_frames);

}  // namespace pyxray

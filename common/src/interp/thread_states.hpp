// Every interpreter's thread states, each with its Python frames.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "interp/code_objects.hpp"
#include "interp/interpreters.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

constexpr size_t kMaxThreadStates = 65536;

struct ThreadStateWalk {
    std::vector<PyThread> threads;
    // Where an interpreter or thread-state list ended early (a loop, a cap, an unreadable
    // state), and what was left unread; a broken frame chain is its thread's own note.
    std::vector<std::string> notes;
};

// Walks _PyRuntime.interpreters -> PyInterpreterState.threads -> frames. Fails only when the
// runtime itself is unreadable.
Result<ThreadStateWalk> read_thread_states(const Memory& memory, const Offsets& offsets, uint64_t runtime,
                                           CodeCache& codes, bool with_frames);

}  // namespace pyxray

// Which OS thread runs each Python thread state. Usually the state's recorded native thread
// id says so, but not always: a subinterpreter's state can be handed to another OS thread
// (3.12's run_string reuses the one its creator bound), and one OS thread can hold several
// states at once (the caller's, and the subinterpreter's it runs code in).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

struct ThreadAssignment {
    // OS tid -> indices of its thread states, the one running innermost first.
    std::unordered_map<int64_t, std::vector<size_t>> states_of;
    std::vector<bool> matched;  // per thread state
};

ThreadAssignment assign_thread_states(const std::vector<PyThread>& states,
                                      const std::vector<ThreadInfo>& threads);

// The last resort for states nothing else tied to a thread (lldb-16 on a host-written core of a
// 3.8-3.9 container: no fs_base, no NSpid map, no _PyCFrame): the eval loop keeps its frame in
// locals, so the one thread without a state whose live stack holds a pointer to the state's
// newest frame runs it. Bounded: each stack from its pointer to the end of its mapping in
// `regions`, at most 256 KiB; a stack in no known region is not scanned.
void claim_by_stack_contents(const Memory& memory, const std::vector<MemoryRegion>& regions,
                             const std::vector<PyThread>& states, const std::vector<ThreadInfo>& threads,
                             ThreadAssignment& assignment);

// The states of one OS thread as one stack: the innermost state's frames, then the next's.
PyThread stack_states(const std::vector<PyThread>& states, const std::vector<size_t>& innermost_first);

}  // namespace pyxray

// What each blocked thread waits for, who holds it, and the deadlocks (issue 20), told from
// the threads' own frames: the outermost threading/queue primitive a thread is in (an
// Event.wait blocked in Condition.wait is an event), else the C call it blocks in (a lock's
// acquire, time.sleep, select/poll/read), else the GIL.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/model.hpp"

namespace pyxray {

// `idents`: per snapshot thread, the ident threading knows it by (pthread_self), if any.
// Sets every thread's `waiting` and the snapshot's `deadlocks`; never fails: what cannot be
// read is left out (an unknown object, no holders).
void fill_waits(const Memory& memory, const Offsets& offsets,
                const std::vector<std::optional<uint64_t>>& idents, Snapshot& snapshot);

// The wait-for graph's cycles, each once, starting at its lowest tid (pure: over `waiting`).
std::vector<Deadlock> find_deadlocks(const std::vector<ThreadStack>& threads);

}  // namespace pyxray

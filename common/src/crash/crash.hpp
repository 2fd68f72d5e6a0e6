// A core's fatal signal in the snapshot: which signal, and the thread that took it first.
#pragma once

#include <optional>

#include "pyxray/model.hpp"
#include "pyxray/target.hpp"

namespace pyxray {

// The crash a core's recorded signal describes; nothing when the core has no signal or one a
// debugger records for a process that was still running (see is_fatal_signal).
std::optional<Crash> crash_from_signal(const std::optional<TargetSignal>& signal);

// Sets snapshot.crash from its target's signal, marks the thread that took it and moves that
// thread first; the others keep their order.
void put_crashing_thread_first(Snapshot& snapshot);

}  // namespace pyxray

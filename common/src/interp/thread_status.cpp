#include "interp/thread_status.hpp"

#include <fmt/format.h>

namespace pyxray {
namespace {

// 3.8-3.11 keep one GIL inline in _PyRuntime; 3.12+ (PEP 684) point each interpreter at its
// own or the main interpreter's.
Result<uint64_t> gil_address(const Memory& memory, const ThreadStatusOffsets& s, uint64_t runtime,
                             uint64_t interp) {
    if (s.gil_in_runtime) return runtime + s.gil;
    return read_pointer(memory, interp + s.gil);
}

void read_gil(const Memory& memory, const ThreadStatusOffsets& s, uint64_t runtime, InterpreterStatus& out) {
    auto gil = gil_address(memory, s, runtime, out.interp);
    if (!gil || *gil == 0) {
        out.gil_note = gil ? "the interpreter has no GIL yet" : "the GIL pointer is unreadable";
        return;
    }
    if (s.gil_enabled) {
        auto enabled = read_value<int32_t>(memory, *gil + *s.gil_enabled);
        if (!enabled) {
            out.gil_note = fmt::format("the GIL at {:#x} is unreadable", *gil);
            return;
        }
        if (*enabled == 0) {
            out.gil_note = "free-threaded build: the GIL is disabled";
            return;
        }
    }
    auto locked = read_value<int32_t>(memory, *gil + s.gil_locked);
    auto holder = read_pointer(memory, *gil + s.gil_last_holder);
    if (!locked || !holder) {
        out.gil_note = fmt::format("the GIL at {:#x} is unreadable", *gil);
        return;
    }
    if (*locked < 0) {
        out.gil_note = "the GIL is not initialised";
        return;
    }
    out.gil_known = true;
    out.gil_locked = *locked != 0;
    out.gil_holder = *holder;
}

}  // namespace

InterpreterStatus read_interpreter_status(const Memory& memory, const Offsets& offsets, uint64_t runtime,
                                          uint64_t interp) {
    InterpreterStatus out;
    out.interp = interp;
    if (!offsets.thread_status) {
        out.gil_note = "pyxray does not know where this CPython keeps its GIL";
        return out;
    }
    const ThreadStatusOffsets& s = *offsets.thread_status;
    read_gil(memory, s, runtime, out);
    uint64_t gc = (s.gc_in_runtime ? runtime : interp) + s.gc_collecting;
    if (auto collecting = read_value<int32_t>(memory, gc)) out.gc_collecting = *collecting != 0;
    out.modules = read_pointer(memory, interp + s.modules).value_or(0);
    return out;
}

const InterpreterStatus* InterpreterStatuses::of_thread_state(uint64_t tstate) {
    auto interp = read_pointer(memory_, tstate + offsets_.thread_state.interp);
    if (!interp || *interp == 0) return nullptr;
    auto found = statuses_.find(*interp);
    if (found == statuses_.end())
        found =
            statuses_.emplace(*interp, read_interpreter_status(memory_, offsets_, runtime_, *interp)).first;
    return &found->second;
}

std::optional<bool> holds_gil(const InterpreterStatus& status, uint64_t tstate) {
    if (!status.gil_known) return std::nullopt;
    return status.gil_locked && status.gil_holder == tstate;
}

}  // namespace pyxray

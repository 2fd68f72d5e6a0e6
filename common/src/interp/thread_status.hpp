// Each interpreter's GIL (who holds it) and garbage collector (whether it is collecting), and
// where its sys.modules dict is: what py-threads says about every thread besides its frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {

struct InterpreterStatus {
    uint64_t interp = 0;
    bool gil_known = false;   // the GIL's state was read and means something
    bool gil_locked = false;  // someone holds it
    uint64_t gil_holder = 0;  // last_holder: the PyThreadState holding it, when locked
    std::string gil_note;     // when !gil_known: why ("free-threaded build: the GIL is disabled")
    std::optional<bool> gc_collecting;
    uint64_t modules = 0;  // the sys.modules dict; 0 when unreadable
};

// Never fails: what cannot be read stays unknown, the GIL with a note that says why.
InterpreterStatus read_interpreter_status(const Memory& memory, const Offsets& offsets, uint64_t runtime,
                                          uint64_t interp);

// Whether thread state `tstate` holds its interpreter's GIL; empty when `status` cannot tell.
std::optional<bool> holds_gil(const InterpreterStatus& status, uint64_t tstate);

// Each interpreter's status, read once, found by a thread state's `interp` field.
class InterpreterStatuses {
public:
    InterpreterStatuses(const Memory& memory, const Offsets& offsets, uint64_t runtime)
        : memory_(memory), offsets_(offsets), runtime_(runtime) {}
    // Empty when the thread state's interpreter pointer is unreadable.
    const InterpreterStatus* of_thread_state(uint64_t tstate);
    const std::unordered_map<uint64_t, InterpreterStatus>& read_so_far() const { return statuses_; }

private:
    const Memory& memory_;
    const Offsets& offsets_;
    uint64_t runtime_;
    std::unordered_map<uint64_t, InterpreterStatus> statuses_;
};

}  // namespace pyxray

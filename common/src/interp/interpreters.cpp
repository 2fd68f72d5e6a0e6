#include "interp/interpreters.hpp"

#include <fmt/format.h>

#include <unordered_set>

namespace pyxray {

Result<InterpreterList> read_interpreters(const Memory& memory, const Offsets& offsets, uint64_t runtime) {
    PYXRAY_TRY(head, read_pointer(memory, runtime + offsets.runtime_state.interpreters_head));
    InterpreterList list;
    std::unordered_set<uint64_t> visited;
    for (uint64_t interp = head; interp != 0;) {
        if (visited.size() == kMaxInterpreters) {
            list.notes.push_back(fmt::format("stopped after {} interpreters (the cap)", kMaxInterpreters));
            break;
        }
        if (!visited.insert(interp).second) {
            list.notes.push_back(fmt::format("the interpreter list loops back to {:#x}", interp));
            break;
        }
        list.interpreters.push_back(interp);
        auto next = read_pointer(memory, interp + offsets.interpreter_state.next);
        if (!next) {
            list.notes.push_back(fmt::format(
                "the interpreter after {:#x} is unreadable: later interpreters not read", interp));
            break;
        }
        interp = *next;
    }
    return list;
}

}  // namespace pyxray

// The interpreter's own memory (heap/interpreter_memory.hpp) as the heap report shows it: a
// text block after the census, and the heap JSON's "memory" object.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "heap/interpreter_memory.hpp"

namespace pyxray {

// {"arenas_in_use", "arena_bytes", "free_lists": [{"name", "count"}], "interned_strings",
// "notes"}: null for each number not told (its note says why).
nlohmann::ordered_json interpreter_memory_json(const InterpreterMemory& memory);

// "interpreter memory:" and an indented line per number, then a "note:" line per note.
std::string render_interpreter_memory_text(const InterpreterMemory& memory);

}  // namespace pyxray

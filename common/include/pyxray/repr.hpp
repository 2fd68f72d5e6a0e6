// Safe reprs of objects in the target (issue 4): the limits a caller sets and the renderers of
// `pyxray repr`. The decoding itself is Session::repr (objects/object_reader.hpp inside).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyxray/result.hpp"

namespace pyxray {

// Cut markers (documented in objects/decoder.hpp): 'abc'...<+N chars>, b'..'...<+N bytes>,
// [1, 2, ...<+N items>], <list at 0x...: max depth>, <unreadable at 0x...>.
struct ReprLimits {
    size_t max_string = 200;  // characters of a str (bytes of a bytes) before the cut marker
    size_t max_items = 50;    // items of a container before the cut marker
    size_t max_depth = 6;     // nesting levels of containers before the cut marker
    bool verbose = false;     // instances of user classes also show their attributes
};

// One address asked for: its repr and type name, or why it is no object.
struct ObjectRepr {
    uint64_t address = 0;
    std::optional<std::string> repr;
    std::optional<std::string> type;
    std::string error;  // set when repr is empty
};

// One line per address: the repr, or "error: 0x...: MESSAGE".
std::string render_repr_text(const std::vector<ObjectRepr>& objects);
// {"pyxray": 1, "objects": [{"address": "0x...", "type": "int", "repr": "42"} or
//  {"address": "0x...", "error": "..."}]}
std::string render_repr_json(const std::vector<ObjectRepr>& objects);

}  // namespace pyxray

// Renderers return text; they never print.
#pragma once

#include <string>
#include <string_view>

#include "pyxray/model.hpp"

namespace pyxray {

struct RenderOptions {
    bool show_pc = false;
};

std::string render_xbt_text(const Snapshot& snapshot, const RenderOptions& options = {});
// A Python frame's variables (when read), one `name = repr` line each, after `indent`.
void render_locals(std::string& out, const PyFrame& frame, std::string_view indent);
// The `--json` document: {"pyxray": 1, "target": {...}, "threads": [...]}.
std::string render_xbt_json(const Snapshot& snapshot);

}  // namespace pyxray

// Renderers return text; they never print.
#pragma once

#include <string>

#include "pyxray/model.hpp"

namespace pyxray {

struct RenderOptions {
    bool show_pc = false;
};

std::string render_xbt_text(const Snapshot& snapshot, const RenderOptions& options = {});
// The `--json` document: {"pyxray": 1, "target": {...}, "threads": [...]}.
std::string render_xbt_json(const Snapshot& snapshot);

}  // namespace pyxray

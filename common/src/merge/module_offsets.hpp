// Where a native frame's pc lies in its module (`?? (libpython3.12.so.1.0+0x1234)` when its
// symbols are unavailable), computed once here for every front-end.
#pragma once

#include <vector>

#include "pyxray/target.hpp"

namespace pyxray {

// Sets each frame's module_offset (pc - the module's base) and, when the front-end named no
// module, its module: by the frame's module path, else by the mapping (`regions`) holding pc.
void add_module_offsets(std::vector<NativeFrame>& frames, const std::vector<ModuleInfo>& modules,
                        const std::vector<MemoryRegion>& regions);

}  // namespace pyxray

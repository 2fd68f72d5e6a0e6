// CPython 3.13 layout, free-threaded build (Py_GIL_DISABLED, `python3.13t`, PEP 703): the
// 3.13 mirrors (v3_13_mirrors.hpp) over the free-threaded object header of Include/object.h,
// which moves every field of code objects, strings, bytes and types; the runtime, interpreter,
// thread and frame structs keep their default-build prefixes.
#include "layout/object_layout_mirrors.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets_from_mirrors.hpp"
#include "layout/v3_13_mirrors.hpp"

namespace pyxray {
namespace {
constexpr Offsets kOffsets = with_object_layouts<mirror::FreeThreadedObjectHead, 13>(
    offsets_from_mirrors<mirror::Mirrors313<mirror::FreeThreadedObjectHead>>());
}  // namespace

const Offsets& offsets_3_13t() { return kOffsets; }

}  // namespace pyxray

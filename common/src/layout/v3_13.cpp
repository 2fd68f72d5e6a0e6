// CPython 3.13 layout, default build: the 3.13 mirrors (v3_13_mirrors.hpp) over the default
// object header.
#include "layout/object_layout_mirrors.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets_from_mirrors.hpp"
#include "layout/v3_13_mirrors.hpp"

namespace pyxray {
namespace {
constexpr Offsets kOffsets = with_object_layouts<mirror::ObjectHead, 13>(
    offsets_from_mirrors<mirror::Mirrors313<mirror::ObjectHead>>());
}  // namespace

const Offsets& offsets_3_13() { return kOffsets; }

}  // namespace pyxray

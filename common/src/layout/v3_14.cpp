// CPython 3.14 layout, default build: the 3.14 mirrors (v3_14_mirrors.hpp) over the default
// object header.
#include "layout/object_layout_mirrors.hpp"
#include "layout/v3_14_mirrors.hpp"

namespace pyxray {
namespace {

using Mirrors = mirror::Mirrors314<mirror::ObjectHead, false>;
static_assert(mirror::check_mirrors_314<Mirrors>(false));

// enum _frameowner (pycore_interpframe_structs.h).
constexpr uint8_t kOwnedByGenerator = 1;
constexpr uint8_t kOwnedByInterpreter = 3;
constexpr uint8_t kOwnedByCStack = 4;
// Py_TAG_BITS of the default build (pycore_stackref.h): the reference-count tag bit
// Py_TAG_REFCNT, set on references to immortal and borrowed objects such as None.
constexpr uint64_t kTagBits = 1;

constexpr Offsets make_offsets() {
    Offsets o = offsets_from_mirrors<Mirrors>();
    o.interpreter_frame.stackref_tag_bits = kTagBits;
    o.interpreter_frame.owners = FrameOwners{kOwnedByGenerator, kOwnedByInterpreter, kOwnedByCStack, {}};
    return o;
}

constexpr Offsets kOffsets = with_object_layouts<mirror::ObjectHead, 14>(make_offsets());
}  // namespace

const Offsets& offsets_3_14() { return kOffsets; }

}  // namespace pyxray

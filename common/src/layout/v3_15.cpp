// CPython 3.15 layout, default build: the 3.15 mirrors (v3_15_mirrors.hpp) over the default
// object header.
#include "layout/object_layout_mirrors.hpp"
#include "layout/v3_15_mirrors.hpp"

namespace pyxray {
namespace {

using Mirrors = mirror::Mirrors315<mirror::ObjectHead, false>;
static_assert(mirror::check_mirrors_315<Mirrors>(false));

// enum _frameowner (pycore_interpframe_structs.h).
constexpr uint8_t kOwnedByGenerator = 1;
constexpr uint8_t kOwnedByInterpreter = 3;
constexpr uint8_t kOwnedByThreadState = 4;
// Py_TAG_BITS (pycore_stackref.h): Py_TAG_REFCNT (1) on references to immortal or borrowed
// objects, Py_INT_TAG (3) on tagged ints.
constexpr uint64_t kTagBits = 3;

constexpr Offsets make_offsets() {
    Offsets o = offsets_from_mirrors<Mirrors>();
    o.interpreter_frame.stackref_tag_bits = kTagBits;
    o.interpreter_frame.owners = FrameOwners{kOwnedByGenerator, kOwnedByInterpreter, {}, kOwnedByThreadState};
    o.thread_state.base_frame = offsetof(Mirrors::PyThreadState, base_frame);
    return o;
}

constexpr Offsets kOffsets = with_object_layouts<mirror::ObjectHead, 15>(make_offsets());
}  // namespace

const Offsets& offsets_3_15() { return kOffsets; }

}  // namespace pyxray

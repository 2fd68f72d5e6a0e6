// CPython 3.15 layout, free-threaded build (Py_GIL_DISABLED, `python3.15t`): the 3.15 mirrors
// (v3_15_mirrors.hpp, which says what the build changes and where each change was read) over
// PEP 703's object header, with the thread-local bytecode fields and the free-threaded string
// state.
#include "layout/object_layout_mirrors.hpp"
#include "layout/v3_14_mirrors.hpp"
#include "layout/v3_15_mirrors.hpp"

namespace pyxray {
namespace {

using Mirrors = mirror::Mirrors315<mirror::FreeThreadedObjectHead, true>;
static_assert(mirror::check_mirrors_315<Mirrors>(true));

// enum _frameowner (pycore_interpframe_structs.h): the same in both builds.
constexpr uint8_t kOwnedByGenerator = 1;
constexpr uint8_t kOwnedByInterpreter = 3;
constexpr uint8_t kOwnedByThreadState = 4;
// Py_TAG_BITS (pycore_stackref.h), shared by both builds from 3.15: Py_TAG_DEFERRED is
// Py_TAG_REFCNT (1), Py_INT_TAG is 3.
constexpr uint64_t kTagBits = 3;

constexpr Offsets make_offsets() {
    Offsets o = offsets_from_mirrors<Mirrors>();
    o.interpreter_frame.stackref_tag_bits = kTagBits;
    o.interpreter_frame.owners = FrameOwners{kOwnedByGenerator, kOwnedByInterpreter, {}, kOwnedByThreadState};
    o.thread_state.base_frame = offsetof(Mirrors::PyThreadState, base_frame);
    add_free_threaded_fields<Mirrors, true>(o);
    return o;
}

constexpr Offsets kOffsets = with_object_layouts<mirror::FreeThreadedObjectHead, 15>(make_offsets());
}  // namespace

const Offsets& offsets_3_15t() { return kOffsets; }

}  // namespace pyxray

// CPython 3.14 layout, free-threaded build (Py_GIL_DISABLED, `python3.14t`): the 3.14 mirrors
// (v3_14_mirrors.hpp, which says what the build changes and where each change was read) over
// PEP 703's object header, with the thread-local bytecode fields and the free-threaded string
// state.
#include "layout/object_layout_mirrors.hpp"
#include "layout/v3_14_mirrors.hpp"

namespace pyxray {
namespace {

using Mirrors = mirror::Mirrors314<mirror::FreeThreadedObjectHead, true>;
static_assert(mirror::check_mirrors_314<Mirrors>(true));

// enum _frameowner (pycore_interpframe_structs.h): the same in both builds.
constexpr uint8_t kOwnedByGenerator = 1;
constexpr uint8_t kOwnedByInterpreter = 3;
constexpr uint8_t kOwnedByCStack = 4;
// Py_TAG_BITS of the free-threaded build (pycore_stackref.h at e74f84c9): Py_TAG_DEFERRED, set
// on deferred and immortal references (None, code objects of functions).
constexpr uint64_t kTagBits = 1;

constexpr Offsets make_offsets() {
    Offsets o = offsets_from_mirrors<Mirrors>();
    o.interpreter_frame.stackref_tag_bits = kTagBits;
    o.interpreter_frame.owners = FrameOwners{kOwnedByGenerator, kOwnedByInterpreter, kOwnedByCStack, {}};
    add_free_threaded_fields<Mirrors, true>(o);
    return o;
}

constexpr Offsets kOffsets = with_object_layouts<mirror::FreeThreadedObjectHead, 14>(make_offsets());
}  // namespace

const Offsets& offsets_3_14t() { return kOffsets; }

}  // namespace pyxray

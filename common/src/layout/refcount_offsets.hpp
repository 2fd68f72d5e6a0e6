// Where an object header mirror keeps the reference count, for the version tables.
#pragma once

#include <cstddef>

#include "layout/object_offsets.hpp"

namespace pyxray {

// `Head` is mirror::ObjectHead or mirror::FreeThreadedObjectHead (layout/object_mirrors.hpp).
template <class Head>
constexpr RefcountOffsets refcount_offsets() {
    if constexpr (requires { &Head::ob_ref_local; })
        return {true, 0, offsetof(Head, ob_ref_local), offsetof(Head, ob_ref_shared)};
    else
        return {false, offsetof(Head, ob_refcnt), 0, 0};
}

}  // namespace pyxray

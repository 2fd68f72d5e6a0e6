// Struct mirrors of CPython's object headers, written from Include/object.h and friends.
// Only the leading fields pyxray reads are mirrored: later fields never move earlier ones.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pyxray::mirror {

using Py_ssize_t = std::ptrdiff_t;
using Py_hash_t = std::ptrdiff_t;
struct PyObject;
struct PyTypeObject;

// Default (non Py_TRACE_REFS, non free-threaded) builds, 3.8 to 3.13.
struct ObjectHead {
    Py_ssize_t ob_refcnt;
    PyTypeObject* ob_type;
};

// Free-threaded (Py_GIL_DISABLED) builds, 3.13+: the owning thread, a per-object lock, GC bits
// and a split (local + shared) reference count come before ob_type (PEP 703), so every object
// struct's fields move.
struct FreeThreadedObjectHead {
    uintptr_t ob_tid;
    uint16_t _padding;
    uint8_t ob_mutex;  // PyMutex: one byte of lock bits
    uint8_t ob_gc_bits;
    uint32_t ob_ref_local;
    Py_ssize_t ob_ref_shared;
    PyTypeObject* ob_type;
};

// The object structs below are generic over the object header (`Head`): one of the two above.
template <class Head>
struct VarObjectHeadOf {
    Head ob_base;
    Py_ssize_t ob_size;
};

template <class Head>
struct TypeObjectPrefixOf {
    VarObjectHeadOf<Head> ob_base;
    const char* tp_name;
};

template <class Head>
struct BytesObjectOf {
    VarObjectHeadOf<Head> ob_base;
    Py_hash_t ob_shash;
    char ob_sval[1];
};

using VarObjectHead = VarObjectHeadOf<ObjectHead>;
using TypeObjectPrefix = TypeObjectPrefixOf<ObjectHead>;
using BytesObject = BytesObjectOf<ObjectHead>;

// The bits of PyASCIIObject.state: interned:2, kind:3, compact:1, ascii:1, then flags.
struct UnicodeState {
    unsigned int interned : 2;
    unsigned int kind : 3;
    unsigned int compact : 1;
    unsigned int ascii : 1;
    unsigned int rest : 25;
};

// PyASCIIObject.state of free-threaded 3.14+ (Include/cpython/unicodeobject.h: "Needs to be
// accessed atomically, so can't be a bit field"): interned takes the first byte, so kind,
// compact and ascii start at bit 8. Same size as UnicodeState.
struct FreeThreadedUnicodeState {
    unsigned char interned;
    unsigned int kind : 3;
    unsigned int compact : 1;
    unsigned int ascii : 1;
    unsigned int statically_allocated : 1;
};
static_assert(sizeof(FreeThreadedUnicodeState) == sizeof(UnicodeState));

// Stands for a field one build of a version has and the other lacks: as a
// [[no_unique_address]] member it takes no room, so the fields after it keep their offsets.
struct Absent {};

}  // namespace pyxray::mirror

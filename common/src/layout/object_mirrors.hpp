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

struct VarObjectHead {
    ObjectHead ob_base;
    Py_ssize_t ob_size;
};

struct TypeObjectPrefix {
    VarObjectHead ob_base;
    const char* tp_name;
};

struct BytesObject {
    VarObjectHead ob_base;
    Py_hash_t ob_shash;
    char ob_sval[1];
};

// The bits of PyASCIIObject.state: interned:2, kind:3, compact:1, ascii:1, then flags.
struct UnicodeState {
    unsigned int interned : 2;
    unsigned int kind : 3;
    unsigned int compact : 1;
    unsigned int ascii : 1;
    unsigned int rest : 25;
};

}  // namespace pyxray::mirror

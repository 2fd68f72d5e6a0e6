/* Compiled once per installed CPython 3.10+ against its own internal headers, so the unit tests
   can check layout/interpreter_memory_mirrors.hpp against the real structs. */
#define Py_BUILD_CORE 1
#include "real_interpreter_memory.h"

#include <stddef.h>

#include "Python.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"

#define FUNC_NAME2(tag) pyxray_real_interpreter_memory_##tag
#define FUNC_NAME(tag) FUNC_NAME2(tag)

struct RealInterpreterMemory FUNC_NAME(PYXRAY_TAG)(void) {
    struct RealInterpreterMemory o = {0};
    o.version_hex = PY_VERSION_HEX;
#ifdef Py_GIL_DISABLED
    o.free_threaded = 1;
#endif
#ifdef Py_DEBUG
    o.debug_build = 1;
#endif
    o.narenas = o.obmalloc = o.obmalloc_narenas = -1;
    o.float_numfree = o.tuple_numfree = o.list_numfree = o.dict_numfree = o.dict_keys_numfree =
        o.frame_numfree = -1;
#if PY_VERSION_HEX >= 0x030C0000
    o.obmalloc_narenas = offsetof(struct _obmalloc_state, mgmt.narenas_currently_allocated);
#endif
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
    o.narenas = offsetof(PyInterpreterState, obmalloc.mgmt.narenas_currently_allocated);
#endif
#if PY_VERSION_HEX >= 0x030D0000 && PY_VERSION_HEX < 0x030E0000
    o.obmalloc = offsetof(PyInterpreterState, obmalloc);
#ifndef Py_GIL_DISABLED
    o.float_numfree = offsetof(PyInterpreterState, object_state.freelists.floats.numfree);
    o.tuple_numfree = offsetof(PyInterpreterState, object_state.freelists.tuples.numfree);
    o.list_numfree = offsetof(PyInterpreterState, object_state.freelists.lists.numfree);
    o.dict_numfree = offsetof(PyInterpreterState, object_state.freelists.dicts.numfree);
    o.dict_keys_numfree = offsetof(PyInterpreterState, object_state.freelists.dictkeys.numfree);
#endif
#endif
#if PY_VERSION_HEX < 0x030B0000
    o.frame_numfree = offsetof(PyInterpreterState, frame.numfree);
#endif
#if PY_VERSION_HEX < 0x030D0000
    o.float_numfree = offsetof(PyInterpreterState, float_state.numfree);
    o.tuple_numfree = offsetof(PyInterpreterState, tuple.numfree);
    o.list_numfree = offsetof(PyInterpreterState, list.numfree);
    o.dict_numfree = offsetof(PyInterpreterState, dict_state.numfree);
    o.dict_keys_numfree = offsetof(PyInterpreterState, dict_state.keys_numfree);
#endif
    return o;
}

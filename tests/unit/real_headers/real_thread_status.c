/* Compiled once per installed CPython (3.8 to 3.13t) against its own internal headers, so the
   unit tests can check the thread-status mirrors (layout/thread_status_mirrors.hpp) against the
   real structs. */
#define Py_BUILD_CORE 1
#include <stddef.h>

#include "Python.h"
#if PY_VERSION_HEX < 0x03090000
#include "internal/pycore_pystate.h"
#else
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#endif

#include "real_thread_status.h"

#define FUNC_NAME2(tag) pyxray_real_thread_status_##tag
#define FUNC_NAME(tag) FUNC_NAME2(tag)

struct RealThreadStatus FUNC_NAME(PYXRAY_TAG)(void) {
    struct RealThreadStatus o = {0};
    o.version_hex = PY_VERSION_HEX;
#ifdef Py_GIL_DISABLED
    o.free_threaded = 1;
    o.gil_enabled = offsetof(struct _gil_runtime_state, enabled);
#else
    o.gil_enabled = -1;
#endif
#if PY_VERSION_HEX < 0x030C0000
    o.gil_in_runtime = 1;
    o.gil = offsetof(_PyRuntimeState, ceval.gil);
    o.modules = offsetof(PyInterpreterState, modules);
#else
    o.gil = offsetof(PyInterpreterState, ceval.gil);
    o.modules = offsetof(PyInterpreterState, imports.modules);
#endif
    o.gil_last_holder = offsetof(struct _gil_runtime_state, last_holder);
    o.gil_locked = offsetof(struct _gil_runtime_state, locked);
#if PY_VERSION_HEX < 0x03090000
    o.gc_in_runtime = 1;
    o.gc_collecting = offsetof(_PyRuntimeState, gc.collecting);
    o.gc_state = offsetof(_PyRuntimeState, gc);
#else
    o.gc_collecting = offsetof(PyInterpreterState, gc.collecting);
    o.gc_state = offsetof(PyInterpreterState, gc);
#endif
    o.gc_oldest_head = offsetof(struct _gc_runtime_state, generations[2].head);
    o.gc_permanent_head = offsetof(struct _gc_runtime_state, permanent_generation.head);
    return o;
}

/* Compiled once per installed CPython 3.8-3.10 against that version's own internal headers, so
   the unit tests can check pyxray's hand-written legacy mirrors against the real structs. */
#define Py_BUILD_CORE 1
#include <stddef.h>

#include "Python.h"
#include "frameobject.h"
#if PY_VERSION_HEX < 0x03090000
#include "internal/pycore_pystate.h"
#else
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#endif

#include "real_legacy_offsets.h"

#define FUNC_NAME2(tag) pyxray_real_legacy_offsets_##tag
#define FUNC_NAME(tag) FUNC_NAME2(tag)

struct RealLegacyOffsets FUNC_NAME(PYXRAY_TAG)(void) {
    struct RealLegacyOffsets o = {0};
    o.version_hex = PY_VERSION_HEX;
    o.runtime_interpreters_head = offsetof(_PyRuntimeState, interpreters.head);
    o.interp_next = offsetof(PyInterpreterState, next);
    o.interp_tstate_head = offsetof(PyInterpreterState, tstate_head);
    o.interp_id = offsetof(PyInterpreterState, id);
    o.tstate_next = offsetof(PyThreadState, next);
    o.tstate_interp = offsetof(PyThreadState, interp);
    o.tstate_frame = offsetof(PyThreadState, frame);
    o.tstate_thread_id = offsetof(PyThreadState, thread_id);
#if PY_VERSION_HEX >= 0x030A0000
    o.tstate_cframe = offsetof(PyThreadState, cframe);
#else
    o.tstate_cframe = -1;
#endif
    o.frame_back = offsetof(PyFrameObject, f_back);
    o.frame_code = offsetof(PyFrameObject, f_code);
    o.frame_trace = offsetof(PyFrameObject, f_trace);
    o.frame_lasti = offsetof(PyFrameObject, f_lasti);
    o.frame_lineno = offsetof(PyFrameObject, f_lineno);
    o.code_filename = offsetof(PyCodeObject, co_filename);
    o.code_name = offsetof(PyCodeObject, co_name);
#if PY_VERSION_HEX < 0x030A0000
    o.code_linetable = offsetof(PyCodeObject, co_lnotab);
#else
    o.code_linetable = offsetof(PyCodeObject, co_linetable);
#endif
    o.code_firstlineno = offsetof(PyCodeObject, co_firstlineno);
    o.object_type = offsetof(PyObject, ob_type);
    o.type_name = offsetof(PyTypeObject, tp_name);
    o.unicode_length = offsetof(PyASCIIObject, length);
    o.unicode_state = offsetof(PyASCIIObject, state);
    o.ascii_size = sizeof(PyASCIIObject);
    o.compact_size = sizeof(PyCompactUnicodeObject);
    o.unicode_data_any = offsetof(PyUnicodeObject, data);
    o.bytes_size = offsetof(PyVarObject, ob_size);
    o.bytes_sval = offsetof(PyBytesObject, ob_sval);
    o.var_localsplus = offsetof(PyFrameObject, f_localsplus);
    o.var_locals = offsetof(PyFrameObject, f_locals);
    o.var_globals = offsetof(PyFrameObject, f_globals);
    o.var_builtins = offsetof(PyFrameObject, f_builtins);
    o.var_code_flags = offsetof(PyCodeObject, co_flags);
    o.var_tuple_size = offsetof(PyVarObject, ob_size);
    o.var_tuple_items = offsetof(PyTupleObject, ob_item);
    o.var_cell_ref = offsetof(PyCellObject, ob_ref);
    o.var_local_names = offsetof(PyCodeObject, co_varnames);
    o.var_code_stacksize = offsetof(PyCodeObject, co_stacksize);
    o.var_valuestack = offsetof(PyFrameObject, f_valuestack);
    o.var_cell_names = offsetof(PyCodeObject, co_cellvars);
    o.var_free_names = offsetof(PyCodeObject, co_freevars);
    PYXRAY_FILL_EXCEPTION_STATE(o.exceptions);
    return o;
}

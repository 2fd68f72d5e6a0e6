/* Compiled once per installed CPython (3.11, 3.12, 3.13, free-threaded 3.13t) against that
   version's own internal headers, so the unit tests can check pyxray's hand-written mirrors
   against the real structs. */
#define Py_BUILD_CORE 1
#include <stddef.h>

#include "Python.h"
#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"

#include "real_offsets.h"

#define FUNC_NAME2(tag) pyxray_real_offsets_##tag
#define FUNC_NAME(tag) FUNC_NAME2(tag)

struct RealOffsets FUNC_NAME(PYXRAY_TAG)(void) {
    struct RealOffsets o = {0};
    o.version_hex = PY_VERSION_HEX;
#ifdef Py_GIL_DISABLED
    o.free_threaded = 1;
#endif
    o.runtime_interpreters_head = offsetof(_PyRuntimeState, interpreters.head);
    o.interp_next = offsetof(PyInterpreterState, next);
    o.interp_threads_head = offsetof(PyInterpreterState, threads.head);
    o.interp_id = offsetof(PyInterpreterState, id);
    o.tstate_next = offsetof(PyThreadState, next);
    o.tstate_interp = offsetof(PyThreadState, interp);
    o.tstate_thread_id = offsetof(PyThreadState, thread_id);
    o.tstate_native_thread_id = offsetof(PyThreadState, native_thread_id);
#if PY_VERSION_HEX < 0x030D0000
    o.tstate_cframe = offsetof(PyThreadState, cframe);
    o.cframe_current_frame = offsetof(_PyCFrame, current_frame);
    o.tstate_current_frame = -1;
#else
    o.tstate_cframe = -1;
    o.cframe_current_frame = 0;
    o.tstate_current_frame = offsetof(PyThreadState, current_frame);
#endif
    o.frame_size = offsetof(_PyInterpreterFrame, localsplus);
#if PY_VERSION_HEX < 0x030D0000
    o.frame_code = offsetof(_PyInterpreterFrame, f_code);
    o.frame_prev_instr = offsetof(_PyInterpreterFrame, prev_instr);
#else
    o.frame_code = offsetof(_PyInterpreterFrame, f_executable);
    o.frame_prev_instr = offsetof(_PyInterpreterFrame, instr_ptr);
    o.debug_offsets_size = sizeof(_Py_DebugOffsets);
    o.debug_code_object = offsetof(_Py_DebugOffsets, code_object);
    o.debug_unicode_asciiobject_size = offsetof(_Py_DebugOffsets, unicode_object.asciiobject_size);
    o.debug_gc_collecting = offsetof(_Py_DebugOffsets, gc.collecting);
#endif
    o.frame_previous = offsetof(_PyInterpreterFrame, previous);
    o.frame_owner = offsetof(_PyInterpreterFrame, owner);
#if PY_VERSION_HEX < 0x030C0000
    o.frame_is_entry = offsetof(_PyInterpreterFrame, is_entry);
#else
    o.frame_is_entry = -1;
#endif
    o.code_filename = offsetof(PyCodeObject, co_filename);
    o.code_name = offsetof(PyCodeObject, co_name);
    o.code_qualname = offsetof(PyCodeObject, co_qualname);
    o.code_linetable = offsetof(PyCodeObject, co_linetable);
    o.code_firstlineno = offsetof(PyCodeObject, co_firstlineno);
    o.code_firsttraceable = offsetof(PyCodeObject, _co_firsttraceable);
    o.code_adaptive = offsetof(PyCodeObject, co_code_adaptive);
    o.var_localsplus = offsetof(_PyInterpreterFrame, localsplus);
    o.var_locals = offsetof(_PyInterpreterFrame, f_locals);
    o.var_globals = offsetof(_PyInterpreterFrame, f_globals);
    o.var_builtins = offsetof(_PyInterpreterFrame, f_builtins);
    o.var_code_flags = offsetof(PyCodeObject, co_flags);
    o.var_tuple_size = offsetof(PyVarObject, ob_size);
    o.var_tuple_items = offsetof(PyTupleObject, ob_item);
    o.var_cell_ref = offsetof(PyCellObject, ob_ref);
    o.var_local_names = offsetof(PyCodeObject, co_localsplusnames);
    o.var_local_kinds = offsetof(PyCodeObject, co_localspluskinds);
    o.var_code_stacksize = offsetof(PyCodeObject, co_stacksize);
    o.var_stacktop = offsetof(_PyInterpreterFrame, stacktop);
    o.object_type = offsetof(PyObject, ob_type);
    o.type_name = offsetof(PyTypeObject, tp_name);
    o.unicode_length = offsetof(PyASCIIObject, length);
    o.unicode_state = offsetof(PyASCIIObject, state);
    o.ascii_size = sizeof(PyASCIIObject);
    o.compact_size = sizeof(PyCompactUnicodeObject);
    o.unicode_data_any = offsetof(PyUnicodeObject, data);
    o.bytes_size = offsetof(PyVarObject, ob_size);
    o.bytes_sval = offsetof(PyBytesObject, ob_sval);
    PYXRAY_FILL_EXCEPTION_STATE(o.exceptions);
    return o;
}

/* The offsets pyxray reads, as the real CPython headers lay them out. */
#ifndef PYXRAY_REAL_OFFSETS_H
#define PYXRAY_REAL_OFFSETS_H
#include <stdint.h>

#include "real_exception_state.h"
#ifdef __cplusplus
extern "C" {
#endif
struct RealOffsets {
    uint32_t version_hex;
    int64_t runtime_interpreters_head, interp_next, interp_threads_head, interp_id;
    int64_t tstate_next, tstate_interp, tstate_thread_id, tstate_native_thread_id, tstate_cframe;
    int64_t cframe_current_frame;
    int64_t frame_size, frame_code, frame_previous, frame_prev_instr, frame_owner, frame_is_entry;
    int64_t code_filename, code_name, code_qualname, code_linetable, code_firstlineno;
    int64_t code_firsttraceable, code_adaptive;
    int64_t object_type, type_name;
    int64_t unicode_length, unicode_state, ascii_size, compact_size, unicode_data_any;
    int64_t bytes_size, bytes_sval;
    int64_t tstate_current_frame; /* 3.13+, -1 before */
    /* 3.13+: where _Py_DebugOffsets puts a few fields, to check pyxray's mirror of it (0 before) */
    int64_t debug_offsets_size, debug_code_object, debug_unicode_asciiobject_size, debug_gc_collecting;
    /* frame variables (py-xbt --locals, py-print) */
    int64_t var_localsplus, var_locals, var_globals, var_builtins, var_code_flags, var_local_names;
    int64_t var_tuple_size, var_tuple_items, var_cell_ref;
    int64_t var_local_kinds;
    int64_t var_code_stacksize, var_stacktop; /* the value stack */
    int32_t free_threaded; /* Py_GIL_DISABLED: the header set of a free-threaded build (3.13t) */
    struct RealExceptionState exceptions; /* crash triage: PyThreadState and _PyErr_StackItem */
};
#ifdef __cplusplus
}
#endif
#endif

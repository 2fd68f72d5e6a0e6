/* The offsets pyxray reads in CPython 3.8-3.10, as the real headers lay them out. */
#ifndef PYXRAY_REAL_LEGACY_OFFSETS_H
#define PYXRAY_REAL_LEGACY_OFFSETS_H
#include <stdint.h>

#include "real_exception_state.h"
#ifdef __cplusplus
extern "C" {
#endif
struct RealLegacyOffsets {
    uint32_t version_hex;
    int64_t runtime_interpreters_head, interp_next, interp_tstate_head, interp_id;
    int64_t tstate_next, tstate_interp, tstate_frame, tstate_thread_id;
    int64_t tstate_cframe; /* 3.10 only (-1 before): the eval loop's _PyCFrame, a C stack local */
    int64_t frame_back, frame_code, frame_trace, frame_lasti, frame_lineno;
    int64_t code_filename, code_name, code_linetable, code_firstlineno;
    int64_t object_type, type_name;
    int64_t unicode_length, unicode_state, ascii_size, compact_size, unicode_data_any;
    int64_t bytes_size, bytes_sval;
    /* frame variables (py-xbt --locals, py-print) */
    int64_t var_localsplus, var_locals, var_globals, var_builtins, var_code_flags, var_local_names;
    int64_t var_tuple_size, var_tuple_items, var_cell_ref;
    int64_t var_cell_names, var_free_names;
    int64_t var_code_stacksize, var_valuestack; /* the value stack */
    struct RealExceptionState exceptions; /* crash triage: PyThreadState and _PyErr_StackItem */
};
#ifdef __cplusplus
}
#endif
#endif

/* Where the real headers put a thread state's exceptions (3.8+), filled by
   PYXRAY_FILL_EXCEPTION_STATE in each real-header translation unit. */
#ifndef PYXRAY_REAL_EXCEPTION_STATE_H
#define PYXRAY_REAL_EXCEPTION_STATE_H
#include <stdint.h>

struct RealExceptionState {
    int64_t raised_value, raised_type; /* current_exception (3.12+) or curexc_value; curexc_type or -1 */
    int64_t exc_info, item_value, item_previous;
};

#ifdef PY_VERSION_HEX /* the macros are for the C side, which has Python.h */
#if PY_VERSION_HEX >= 0x030C0000
#define PYXRAY_RAISED_FIELDS(e)                                        \
    (e).raised_value = offsetof(PyThreadState, current_exception); \
    (e).raised_type = -1
#else
#define PYXRAY_RAISED_FIELDS(e)                                   \
    (e).raised_value = offsetof(PyThreadState, curexc_value); \
    (e).raised_type = offsetof(PyThreadState, curexc_type)
#endif

#define PYXRAY_FILL_EXCEPTION_STATE(e)                                   \
    do {                                                                 \
        PYXRAY_RAISED_FIELDS(e);                                         \
        (e).exc_info = offsetof(PyThreadState, exc_info);                \
        (e).item_value = offsetof(_PyErr_StackItem, exc_value);          \
        (e).item_previous = offsetof(_PyErr_StackItem, previous_item);   \
    } while (0)
#endif

#endif

/* Where the real CPython headers put the GIL, the GC's collecting flag and sys.modules. */
#ifndef PYXRAY_REAL_THREAD_STATUS_H
#define PYXRAY_REAL_THREAD_STATUS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct RealThreadStatus {
    uint32_t version_hex;
    int32_t free_threaded;
    int32_t gil_in_runtime, gc_in_runtime;
    int64_t gil, gil_last_holder, gil_locked, gil_enabled; /* gil_enabled: -1 without it */
    int64_t gc_collecting, modules;
    /* The generation lists' heads (the heap census): the state in its runtime or interpreter,
       the oldest generation's head and the permanent one's in the state. */
    int64_t gc_state, gc_oldest_head, gc_permanent_head;
};
#ifdef __cplusplus
}
#endif
#endif

/* Compiled once per installed free-threaded CPython against its own internal headers, so the
   unit tests can check the mimalloc mirrors (layout/mimalloc_mirrors.hpp) against the real structs. */
#define Py_BUILD_CORE 1
#include "real_mimalloc_offsets.h"

#include <stddef.h>
#include <string.h>

#include "Python.h"
#include "internal/pycore_gc.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_tstate.h"

#define FUNC_NAME2(tag) pyxray_real_mimalloc_offsets_##tag
#define FUNC_NAME(tag) FUNC_NAME2(tag)

struct RealMimallocOffsets FUNC_NAME(PYXRAY_TAG)(void) {
    struct RealMimallocOffsets o;
    memset(&o, 0, sizeof(o));
    o.version_hex = PY_VERSION_HEX;
#ifdef Py_DEBUG
    o.debug = 1;
#endif
    o.thread_state_size = sizeof(PyThreadState);
    o.impl_mimalloc = offsetof(_PyThreadStateImpl, mimalloc);
    o.thread_size = sizeof(struct _mimalloc_thread_state);
    o.thread_heaps = offsetof(struct _mimalloc_thread_state, heaps);
    o.thread_tld = offsetof(struct _mimalloc_thread_state, tld);
    o.thread_initialized = offsetof(struct _mimalloc_thread_state, initialized);
    o.tld_abandoned_pool = offsetof(mi_tld_t, segments.abandoned);
    o.heap_size = sizeof(mi_heap_t);
    o.heap_tld = offsetof(mi_heap_t, tld);
    o.heap_pages = offsetof(mi_heap_t, pages);
    o.heap_page_count = offsetof(mi_heap_t, page_count);
    o.heap_tag = offsetof(mi_heap_t, tag);
    o.queue_size = sizeof(mi_page_queue_t);
    o.queue_first = offsetof(mi_page_queue_t, first);
    o.queue_count = MI_BIN_FULL + 1;
    o.page_size = sizeof(mi_page_t);
    o.page_slice_count = offsetof(mi_page_t, slice_count);
    o.page_slice_offset = offsetof(mi_page_t, slice_offset);
    o.page_capacity = offsetof(mi_page_t, capacity);
    o.page_reserved = offsetof(mi_page_t, reserved);
    o.page_free = offsetof(mi_page_t, free);
    o.page_used = offsetof(mi_page_t, used);
    o.page_xblock_size = offsetof(mi_page_t, xblock_size);
    o.page_local_free = offsetof(mi_page_t, local_free);
    o.page_xthread_free = offsetof(mi_page_t, xthread_free);
    o.page_next = offsetof(mi_page_t, next);
#if (MI_ENCODE_FREELIST || MI_PADDING)
    o.page_keys = offsetof(mi_page_t, keys);
#else
    o.page_keys = -1;
#endif
    mi_page_t page;
    memset(&page, 0, sizeof(page));
    page.tag = 5;
    memcpy(o.page_with_tag_5, &page, sizeof(o.page_with_tag_5));
    o.segment_abandoned_next = offsetof(mi_segment_t, abandoned_next);
    o.segment_slice_entries = offsetof(mi_segment_t, slice_entries);
    o.segment_slices = offsetof(mi_segment_t, slices);
    o.segment_max_slices = MI_SLICES_PER_SEGMENT + 1;
    o.pool_abandoned_visited = offsetof(mi_abandoned_pool_t, abandoned_visited);
    o.pool_abandoned = offsetof(mi_abandoned_pool_t, abandoned);
    o.object_gc_bits = offsetof(PyObject, ob_gc_bits);
    o.heap_gc = _Py_MIMALLOC_HEAP_GC;
    o.heap_gc_pre = _Py_MIMALLOC_HEAP_GC_PRE;
    o.segment_size = MI_SEGMENT_SIZE;
    o.slice_size = MI_SEGMENT_SLICE_SIZE;
    o.huge_block_size = MI_HUGE_BLOCK_SIZE;
    o.gc_bits_tracked = _PyGC_BITS_TRACKED;
    o.gc_bits_unreachable = _PyGC_BITS_UNREACHABLE;
    o.gc_bits_frozen = _PyGC_BITS_FROZEN;
    return o;
}

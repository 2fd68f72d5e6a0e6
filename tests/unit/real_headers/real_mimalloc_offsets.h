/* mimalloc's structs as a free-threaded CPython's own headers lay them out (3.13t): what
   layout/mimalloc_mirrors.hpp must agree with (test_mimalloc_layout_headers.cpp). */
#ifndef PYXRAY_REAL_MIMALLOC_OFFSETS_H
#define PYXRAY_REAL_MIMALLOC_OFFSETS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct RealMimallocOffsets {
    uint32_t version_hex;
    int32_t debug;
    int64_t thread_state_size, impl_mimalloc;
    int64_t thread_size, thread_heaps, thread_tld, thread_initialized, tld_abandoned_pool;
    int64_t heap_size, heap_tld, heap_pages, heap_page_count, heap_tag, queue_size, queue_first, queue_count;
    int64_t page_size, page_slice_count, page_slice_offset, page_capacity, page_reserved, page_free,
        page_used, page_xblock_size, page_local_free, page_xthread_free, page_next, page_keys;
    unsigned char page_with_tag_5[16]; /* the first bytes of a zeroed mi_page_t whose tag is 5 */
    int64_t segment_abandoned_next, segment_slice_entries, segment_slices, segment_max_slices;
    int64_t pool_abandoned_visited, pool_abandoned;
    int64_t object_gc_bits, heap_gc, heap_gc_pre, segment_size, slice_size, huge_block_size;
    int64_t gc_bits_tracked, gc_bits_unreachable, gc_bits_frozen;
};
#ifdef __cplusplus
}
#endif
#endif

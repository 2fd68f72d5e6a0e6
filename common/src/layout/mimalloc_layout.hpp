// Where mimalloc keeps what the free-threaded heap walk reads (heap/mimalloc_objects.cpp): offsets
// taken with offsetof over layout/mimalloc_mirrors.hpp, one table per build flavour.
#pragma once

#include <cstdint>
#include <optional>

namespace pyxray {

struct MimallocLayout {
    // _PyThreadStateImpl.mimalloc, counted from the end of its `PyThreadState base` (3.13's;
    // other versions' is found by the state's own signature, heap/mimalloc_objects.cpp).
    uint64_t thread_mimalloc_after_base;
    // struct _mimalloc_thread_state
    uint64_t thread_size, thread_heaps, thread_tld, thread_initialized;
    uint64_t tld_abandoned_pool;  // mi_tld_t.segments.abandoned
    // mi_heap_t
    uint64_t heap_size, heap_tld, heap_pages, heap_page_count, heap_tag;
    uint64_t queue_size, queue_first, queue_count;  // mi_page_queue_t, MI_BIN_FULL + 1 of them
    // mi_page_t
    uint64_t page_size, page_slice_count, page_slice_offset, page_bits, page_capacity, page_reserved;
    uint64_t page_free, page_used, page_xblock_size, page_local_free, page_xthread_free, page_next;
    std::optional<uint64_t> page_keys;  // MI_ENCODE_FREELIST: the free lists are encoded with them
    // mi_segment_t
    uint64_t segment_abandoned_next, segment_slice_entries, segment_slices, segment_max_slices;
    // mi_abandoned_pool_t
    uint64_t pool_abandoned_visited, pool_abandoned;
    // Objects of the GC_PRE heap start two words into their blocks (the managed dict and
    // weakrefs); CPython's debug allocator, when on, puts its header before that (mimalloc_mirrors.hpp).
    uint64_t object_preheader;
    uint64_t object_gc_bits;  // ob_gc_bits in the free-threaded object header
};

// 3.13t, release (Py_DEBUG off: plain free lists) or debug. 3.14t's mimalloc headers (search tool,
// CPython's repository) declare the same structs; only _PyThreadStateImpl's tail differs.
const MimallocLayout& mimalloc_layout_313t(bool debug_build);

// The `tag` bit-field of mi_page_t's flag byte (the heap id the page belongs to).
uint8_t mimalloc_page_tag(uint8_t page_bits);

}  // namespace pyxray

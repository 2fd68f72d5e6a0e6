// Struct mirrors of the mimalloc state a free-threaded CPython (Py_GIL_DISABLED, 3.13t) keeps per
// thread, from the v3.13 headers: Include/internal/mimalloc/mimalloc/types.h (mimalloc 2.1 with
// CPython's changes: a page `tag`, `use_qsbr`, `debug_offset`, qsbr_node/qsbr_goal, per-interpreter
// abandoned pools), pycore_mimalloc.h (_mimalloc_thread_state, the heap ids) and pycore_tstate.h
// (_PyThreadStateImpl). Checked against the installed 3.13t headers by
// test_mimalloc_layout_headers.cpp.
//
// 3.14t: no interpreter or headers here; CPython's main-branch headers (search tool) show the same
// mimalloc types.h but a different _PyThreadStateImpl, so these mirrors are for 3.13 only.
//
// `kDebug` is Py_DEBUG: pycore_mimalloc.h then sets MI_DEBUG 2, which turns on MI_PADDING and
// MI_ENCODE_FREELIST (mi_page_t gains keys[2], the free lists are encoded, the direct page array
// grows by MI_PADDING_WSIZE) and MI_STAT 2 (mi_stats_t gains normal_bins). No debug 3.13t is built
// here: that variant follows the header text only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace pyxray::mirror::mimalloc {

inline constexpr uint64_t kSegmentSize = uint64_t{1} << 25;               // MI_SEGMENT_SIZE, 32 MiB on 64-bit
inline constexpr uint64_t kSliceSize = uint64_t{1} << 16;                 // MI_SEGMENT_SLICE_SIZE, 64 KiB
inline constexpr uint64_t kSlicesPerSegment = kSegmentSize / kSliceSize;  // MI_SLICES_PER_SEGMENT, 512
inline constexpr uint64_t kHugeBlockSize = uint64_t{2} << 30;             // MI_HUGE_BLOCK_SIZE
inline constexpr size_t kBinHuge = 73;                                    // MI_BIN_HUGE
inline constexpr size_t kBinFull = kBinHuge + 1;                          // MI_BIN_FULL
inline constexpr size_t kSmallWsizeMax = 128;                             // MI_SMALL_WSIZE_MAX
inline constexpr size_t kSegmentBinMax = 35;                              // MI_SEGMENT_BIN_MAX
inline constexpr size_t kCommitMaskFields = kSlicesPerSegment / 64;       // MI_COMMIT_MASK_FIELD_COUNT
// _Py_mimalloc_heap_id: GC objects without and with the two-word pre-header (managed dict/weakref).
inline constexpr size_t kHeapGc = 2;
inline constexpr size_t kHeapGcPre = 3;
inline constexpr size_t kHeapCount = 4;
// CPython's debug allocator (Py_DEBUG builds by default, PYTHONMALLOC=debug, -X dev) puts a
// header before each block's data: the size, then the API id ('o' for PyObject_Malloc, in
// Objects/obmalloc.c) and PYMEM_FORBIDDENBYTE (pycore_pymem.h) in the rest of the second word.
inline constexpr uint64_t kDebugAllocatorHeader = 2 * sizeof(uint64_t);
inline constexpr uint8_t kDebugAllocatorObjectApi = 'o';
inline constexpr uint8_t kForbiddenByte = 0xFD;
// _PyGC_BITS_* of pycore_gc.h (Py_GIL_DISABLED): ob_gc_bits of the objects in those heaps.
inline constexpr uint8_t kGcBitsTracked = 1;
inline constexpr uint8_t kGcBitsUnreachable = 4;
inline constexpr uint8_t kGcBitsFrozen = 8;

struct LlistNode {
    LlistNode* next;
    LlistNode* prev;
};

struct Block {
    uintptr_t next;  // mi_encoded_t: a plain pointer unless MI_ENCODE_FREELIST
};

// The byte after slice_offset: four bit-fields, read through this mirror, never by hand-made shifts.
struct PageBits {
    uint8_t is_committed : 1;
    uint8_t is_zero_init : 1;
    uint8_t use_qsbr : 1;
    uint8_t tag : 4;
};

template <bool kDebug>
struct Page {
    uint32_t slice_count;
    uint32_t slice_offset;
    PageBits bits;
    uint8_t debug_offset;
    uint16_t capacity;
    uint16_t reserved;
    uint8_t flags;  // mi_page_flags_t: in_full, has_aligned
    uint8_t free_is_zero_retire_expire;
    Block* free;
    uint32_t used;
    uint32_t xblock_size;
    Block* local_free;
    struct Nothing {};
    struct Keys {
        uintptr_t keys[2];
    };
    [[no_unique_address]] std::conditional_t<kDebug, Keys, Nothing> keys;
    uintptr_t xthread_free;  // mi_thread_free_t: a Block* with the delayed-free state in its low 2 bits
    uintptr_t xheap;
    Page* next;
    Page* prev;
    LlistNode qsbr_node;  // Py_GIL_DISABLED
    uint64_t qsbr_goal;
};

struct PageQueue {
    void* first;
    void* last;
    size_t block_size;
};

struct RandomCtx {
    uint32_t input[16];
    uint32_t output[16];
    int output_available;
    bool weak;
};

template <bool kDebug>
struct Heap {
    static constexpr size_t kPagesDirect = kSmallWsizeMax + (kDebug ? 1 : 0) + 1;  // + MI_PADDING_WSIZE
    void* tld;
    void* pages_free_direct[kPagesDirect];
    PageQueue pages[kBinFull + 1];
    uintptr_t thread_delayed_free;
    size_t thread_id;
    int arena_id;
    uintptr_t cookie;
    uintptr_t keys[2];
    RandomCtx random;
    size_t page_count;
    size_t page_retired_min;
    size_t page_retired_max;
    Heap* next;
    bool no_reclaim;
    uint8_t tag;
    uint8_t debug_offset;
    bool page_use_qsbr;
};

struct StatCount {
    int64_t allocated, freed, peak, current;
};
struct StatCounter {
    int64_t total, count;
};

template <bool kDebug>
struct Stats {
    StatCount counts[15];      // segments .. segments_cache
    StatCounter counters[10];  // pages_extended .. large_count
    struct Nothing {};
    struct Bins {
        StatCount normal_bins[kBinHuge + 1];
    };
    [[no_unique_address]] std::conditional_t<kDebug, Bins, Nothing> bins;  // MI_STAT > 1
};

struct SpanQueue {
    void* first;
    void* last;
    size_t slice_count;
};

struct SegmentsTld {
    SpanQueue spans[kSegmentBinMax + 1];
    size_t count, peak_count, current_size, peak_size;
    void* stats;
    void* os;
    void* abandoned;  // mi_abandoned_pool_t*: CPython points it at interp->mimalloc.abandoned_pool
};

template <bool kDebug>
struct Tld {
    unsigned long long heartbeat;
    bool recurse;
    void* heap_backing;
    void* heaps;
    SegmentsTld segments;
    struct {
        size_t region_idx;
        void* stats;
    } os;
    Stats<kDebug> stats;
};

template <bool kDebug>
struct ThreadState {  // struct _mimalloc_thread_state
    Heap<kDebug>* current_object_heap;
    Heap<kDebug> heaps[kHeapCount];
    Tld<kDebug> tld;
    int initialized;
    LlistNode page_list;
};

// _PyThreadStateImpl of 3.13t after its `PyThreadState base` (whose size the target's
// _Py_DebugOffsets gives: it grew within 3.13, e.g. datastack_cached_chunk in 3.13.15).
template <bool kDebug>
struct ThreadStateImplTail313 {
    void* asyncio_running_loop;
    void* qsbr;
    LlistNode mem_free_queue;
    struct {
        ptrdiff_t alloc_count;
    } gc;  // struct _gc_thread_state
    ThreadState<kDebug> mimalloc;
};

struct MemId {
    union {
        struct {
            void* base;
            size_t alignment;
        } os;
        struct {
            size_t block_index;
            int id;
            bool is_exclusive;
        } arena;
    } mem;
    bool is_pinned, initially_committed, initially_zero;
    int memkind;
};

template <bool kDebug>
struct Segment {
    MemId memid;
    bool allow_decommit;
    bool allow_purge;
    size_t segment_size;
    int64_t purge_expire;
    size_t purge_mask[kCommitMaskFields];
    size_t commit_mask[kCommitMaskFields];
    Segment* abandoned_next;
    Segment* next;
    size_t abandoned;
    size_t abandoned_visits;
    size_t used;
    uintptr_t cookie;
    size_t segment_slices;
    size_t segment_info_slices;
    int kind;
    size_t slice_entries;
    size_t thread_id;
    Page<kDebug> slices[kSlicesPerSegment + 1];
};

struct AbandonedPool {
    alignas(64) Segment<false>* abandoned_visited;
    alignas(64) uintptr_t abandoned;  // mi_tagged_segment_t: a segment with a tag in its low bits
    alignas(64) size_t abandoned_count;
    alignas(64) size_t abandoned_visited_count;
    alignas(64) size_t abandoned_readers;
};

}  // namespace pyxray::mirror::mimalloc

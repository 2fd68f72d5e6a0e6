#include "layout/mimalloc_layout.hpp"

#include <cstddef>
#include <cstring>

#include "layout/mimalloc_mirrors.hpp"
#include "layout/object_mirrors.hpp"

namespace pyxray {
namespace {

namespace mi = mirror::mimalloc;

template <bool kDebug>
constexpr MimallocLayout layout_313t() {
    using Thread = mi::ThreadState<kDebug>;
    using Heap = mi::Heap<kDebug>;
    using Page = mi::Page<kDebug>;
    using Segment = mi::Segment<kDebug>;
    using Head = mirror::FreeThreadedObjectHead;
    MimallocLayout l{};
    l.thread_mimalloc_after_base = offsetof(mi::ThreadStateImplTail313<kDebug>, mimalloc);
    l.thread_size = sizeof(Thread);
    l.thread_heaps = offsetof(Thread, heaps);
    l.thread_tld = offsetof(Thread, tld);
    l.thread_initialized = offsetof(Thread, initialized);
    l.tld_abandoned_pool = offsetof(mi::Tld<kDebug>, segments) + offsetof(mi::SegmentsTld, abandoned);
    l.heap_size = sizeof(Heap);
    l.heap_tld = offsetof(Heap, tld);
    l.heap_pages = offsetof(Heap, pages);
    l.heap_page_count = offsetof(Heap, page_count);
    l.heap_tag = offsetof(Heap, tag);
    l.queue_size = sizeof(mi::PageQueue);
    l.queue_first = offsetof(mi::PageQueue, first);
    l.queue_count = mi::kBinFull + 1;
    l.page_size = sizeof(Page);
    l.page_slice_count = offsetof(Page, slice_count);
    l.page_slice_offset = offsetof(Page, slice_offset);
    l.page_bits = offsetof(Page, bits);
    l.page_capacity = offsetof(Page, capacity);
    l.page_reserved = offsetof(Page, reserved);
    l.page_free = offsetof(Page, free);
    l.page_used = offsetof(Page, used);
    l.page_xblock_size = offsetof(Page, xblock_size);
    l.page_local_free = offsetof(Page, local_free);
    l.page_xthread_free = offsetof(Page, xthread_free);
    l.page_next = offsetof(Page, next);
    if constexpr (kDebug) l.page_keys = offsetof(Page, keys);
    l.segment_abandoned_next = offsetof(Segment, abandoned_next);
    l.segment_slice_entries = offsetof(Segment, slice_entries);
    l.segment_slices = offsetof(Segment, slices);
    l.segment_max_slices = mi::kSlicesPerSegment + 1;
    l.pool_abandoned_visited = offsetof(mi::AbandonedPool, abandoned_visited);
    l.pool_abandoned = offsetof(mi::AbandonedPool, abandoned);
    l.object_preheader = 2 * sizeof(void*);
    l.object_gc_bits = offsetof(Head, ob_gc_bits);
    return l;
}

constexpr MimallocLayout kRelease313t = layout_313t<false>();
constexpr MimallocLayout kDebug313t = layout_313t<true>();

}  // namespace

const MimallocLayout& mimalloc_layout_313t(bool debug_build) {
    return debug_build ? kDebug313t : kRelease313t;
}

uint8_t mimalloc_page_tag(uint8_t page_bits) {
    mi::PageBits bits;
    static_assert(sizeof(bits) == 1);
    std::memcpy(&bits, &page_bits, 1);
    return bits.tag;
}

}  // namespace pyxray

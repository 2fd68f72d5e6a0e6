// The mimalloc mirrors of the free-threaded heap walk (layout/mimalloc_mirrors.hpp) must agree with
// every installed free-threaded CPython's own headers (here: debian-3.13t, release). 3.14t has no
// headers here; the debug variant has no build here either.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "layout/mimalloc_layout.hpp"
#include "layout/mimalloc_mirrors.hpp"
#include "real_headers/real_mimalloc_offsets.h"

#define PYXRAY_REAL_MIMALLOC_HEADERS(tag, dir) \
    extern "C" RealMimallocOffsets pyxray_real_mimalloc_offsets_##tag(void);
#include "real_mimalloc_header_sets.h"
#undef PYXRAY_REAL_MIMALLOC_HEADERS

namespace {

namespace mi = pyxray::mirror::mimalloc;

struct HeaderSet {
    const char* dir;
    RealMimallocOffsets real;
};

std::vector<HeaderSet> header_sets() {
    return {
#define PYXRAY_REAL_MIMALLOC_HEADERS(tag, dir) {dir, pyxray_real_mimalloc_offsets_##tag()},
#include "real_mimalloc_header_sets.h"
#undef PYXRAY_REAL_MIMALLOC_HEADERS
    };
}

uint64_t u(int64_t value) { return static_cast<uint64_t>(value); }

TEST(MimallocLayout, AgreesWithEveryInstalledFreeThreadedHeaderSet) {
    auto sets = header_sets();
    if (sets.empty()) GTEST_SKIP() << "no free-threaded CPython headers installed (make interpreters)";
    std::string checked;
    for (const auto& set : sets) {
        const RealMimallocOffsets& r = set.real;
        SCOPED_TRACE(set.dir);
        ASSERT_EQ(r.version_hex >> 16, 0x030Du) << "only 3.13t is mirrored";
        const pyxray::MimallocLayout& l = pyxray::mimalloc_layout_313t(r.debug != 0);
        EXPECT_EQ(u(r.thread_state_size) + l.thread_mimalloc_after_base, u(r.impl_mimalloc));
        EXPECT_EQ(l.thread_size, u(r.thread_size));
        EXPECT_EQ(l.thread_heaps, u(r.thread_heaps));
        EXPECT_EQ(l.thread_tld, u(r.thread_tld));
        EXPECT_EQ(l.thread_initialized, u(r.thread_initialized));
        EXPECT_EQ(l.tld_abandoned_pool, u(r.tld_abandoned_pool));
        EXPECT_EQ(l.heap_size, u(r.heap_size));
        EXPECT_EQ(l.heap_tld, u(r.heap_tld));
        EXPECT_EQ(l.heap_pages, u(r.heap_pages));
        EXPECT_EQ(l.heap_page_count, u(r.heap_page_count));
        EXPECT_EQ(l.heap_tag, u(r.heap_tag));
        EXPECT_EQ(l.queue_size, u(r.queue_size));
        EXPECT_EQ(l.queue_first, u(r.queue_first));
        EXPECT_EQ(l.queue_count, u(r.queue_count));
        EXPECT_EQ(l.page_size, u(r.page_size));
        EXPECT_EQ(l.page_slice_count, u(r.page_slice_count));
        EXPECT_EQ(l.page_slice_offset, u(r.page_slice_offset));
        EXPECT_EQ(l.page_capacity, u(r.page_capacity));
        EXPECT_EQ(l.page_reserved, u(r.page_reserved));
        EXPECT_EQ(l.page_free, u(r.page_free));
        EXPECT_EQ(l.page_used, u(r.page_used));
        EXPECT_EQ(l.page_xblock_size, u(r.page_xblock_size));
        EXPECT_EQ(l.page_local_free, u(r.page_local_free));
        EXPECT_EQ(l.page_xthread_free, u(r.page_xthread_free));
        EXPECT_EQ(l.page_next, u(r.page_next));
        EXPECT_EQ(l.page_keys.has_value(), r.page_keys >= 0);
        if (l.page_keys) {
            EXPECT_EQ(*l.page_keys, u(r.page_keys));
        }
        // The tag bit-field, set by the real header's compiler, read back through the mirror.
        EXPECT_EQ(pyxray::mimalloc_page_tag(r.page_with_tag_5[l.page_bits]), 5);
        for (size_t i = 0; i < sizeof(r.page_with_tag_5); i++) {
            if (i != l.page_bits) {
                EXPECT_EQ(r.page_with_tag_5[i], 0) << "byte " << i;
            }
        }
        EXPECT_EQ(l.segment_abandoned_next, u(r.segment_abandoned_next));
        EXPECT_EQ(l.segment_slice_entries, u(r.segment_slice_entries));
        EXPECT_EQ(l.segment_slices, u(r.segment_slices));
        EXPECT_EQ(l.segment_max_slices, u(r.segment_max_slices));
        EXPECT_EQ(l.pool_abandoned_visited, u(r.pool_abandoned_visited));
        EXPECT_EQ(l.pool_abandoned, u(r.pool_abandoned));
        EXPECT_EQ(l.object_gc_bits, u(r.object_gc_bits));
        EXPECT_EQ(mi::kHeapGc, u(r.heap_gc));
        EXPECT_EQ(mi::kHeapGcPre, u(r.heap_gc_pre));
        EXPECT_EQ(mi::kSegmentSize, u(r.segment_size));
        EXPECT_EQ(mi::kSliceSize, u(r.slice_size));
        EXPECT_EQ(mi::kHugeBlockSize, u(r.huge_block_size));
        EXPECT_EQ(mi::kGcBitsTracked, r.gc_bits_tracked);
        EXPECT_EQ(mi::kGcBitsUnreachable, r.gc_bits_unreachable);
        EXPECT_EQ(mi::kGcBitsFrozen, r.gc_bits_frozen);
        checked += std::string(" ") + set.dir;
    }
    std::printf("checked mimalloc mirrors against:%s\n", checked.c_str());
}

}  // namespace

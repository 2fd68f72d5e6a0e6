// The free-threaded heap walk (heap/mimalloc_objects.cpp) on synthetic mimalloc images built from
// the mirrors themselves: which blocks count as objects, and what garbage does to the walk.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "heap/mimalloc_objects.hpp"
#include "layout/mimalloc_layout.hpp"
#include "layout/mimalloc_mirrors.hpp"
#include "pyxray/memory.hpp"

namespace {

namespace mi = pyxray::mirror::mimalloc;

constexpr uint64_t kThread = 0x10000;
constexpr uint64_t kPool = 0x40000;
constexpr uint64_t kSegment = 0x7f0000000000;  // MI_SEGMENT_SIZE-aligned
constexpr uint64_t kBlockSize = 64;            // mimalloc starts such pages 3 blocks in
constexpr uint8_t kTracked = mi::kGcBitsTracked;

template <class P>
P ptr(uint64_t address) {
    return reinterpret_cast<P>(address);
}

// One segment with pages of 64-byte blocks, one thread state, an abandoned pool; `kDebug`: as a
// Py_DEBUG build lays them out (encoded free lists); `kDebugAllocator`: blocks that CPython's
// debug allocator wrote (its two-word header first), as Py_DEBUG and PYTHONMALLOC=debug do.
template <bool kDebug, bool kDebugAllocator = kDebug>
struct ImageOf {
    using Page = mi::Page<kDebug>;
    static const pyxray::MimallocLayout& layout() { return pyxray::mimalloc_layout_313t(kDebug); }
    static constexpr uint64_t debug_header() { return kDebugAllocator ? mi::kDebugAllocatorHeader : 0; }

    std::unique_ptr<mi::Segment<kDebug>> segment = std::make_unique<mi::Segment<kDebug>>();
    std::unique_ptr<mi::ThreadState<kDebug>> thread = std::make_unique<mi::ThreadState<kDebug>>();
    mi::AbandonedPool pool{};
    std::vector<std::vector<std::byte>> areas;  // blocks of slices[1], [2], ...

    ImageOf() {
        segment->slice_entries = mi::kSlicesPerSegment;
        for (auto& slice : segment->slices)
            slice.slice_count = 1;  // free one-slice spans, slices[0] the segment's info
        thread->initialized = 1;
        for (uint8_t id = 0; id < mi::kHeapCount; id++) {
            thread->heaps[id].tld = ptr<void*>(kThread + offsetof(mi::ThreadState<kDebug>, tld));
            thread->heaps[id].tag = id;
        }
    }
    static uint64_t page_address(size_t slice) {
        return kSegment + offsetof(mi::Segment<kDebug>, slices) + slice * sizeof(Page);
    }
    static uint64_t block(size_t slice, size_t index) {
        return kSegment + slice * mi::kSliceSize + 3 * kBlockSize + index * kBlockSize;
    }
    // Page `slice` with `capacity` blocks, every one an object whose ob_gc_bits are `bits`.
    Page& add_page(size_t slice, uint16_t capacity, uint8_t tag, uint8_t bits = kTracked) {
        Page& page = segment->slices[slice];
        page.slice_count = 1;
        page.xblock_size = kBlockSize;
        page.capacity = page.reserved = capacity;
        page.used = capacity;
        page.bits.tag = tag;
        if (areas.size() < slice) areas.resize(slice);
        areas[slice - 1].assign(capacity * kBlockSize, std::byte{0});
        for (size_t i = 0; i < capacity; i++) {
            set_bits(slice, i, bits, 0);
            if (kDebugAllocator) {  // the API id, then guard bytes, in the header's second word
                std::byte* guard = areas[slice - 1].data() + i * kBlockSize + 8;
                guard[0] = std::byte{mi::kDebugAllocatorObjectApi};
                std::memset(guard + 1, mi::kForbiddenByte, 7);
            }
        }
        if constexpr (kDebug) page.keys.keys[0] = 0x1234567, page.keys.keys[1] = 0xdeadbeefcafef00d;
        return page;
    }
    void set_bits(size_t slice, size_t index, uint8_t bits, uint64_t offset) {
        uint64_t at = index * kBlockSize + debug_header() + offset + layout().object_gc_bits;
        areas[slice - 1][at] = std::byte{bits};
    }
    // Chains blocks into a free list through their first word; returns the head. A list that
    // ends on a block already in it loops back there.
    uint64_t chain(size_t slice, std::vector<size_t> indexes) {
        for (size_t i = 0; i < indexes.size(); i++) {
            bool loops_back = std::count(indexes.begin(), indexes.end(), indexes[i]) > 1;
            if (i + 1 == indexes.size() && loops_back) break;
            uint64_t next = i + 1 < indexes.size() ? block(slice, indexes[i + 1]) : 0;
            if constexpr (kDebug) next = encode(slice, next);
            std::memcpy(areas[slice - 1].data() + indexes[i] * kBlockSize, &next, 8);
        }
        return block(slice, indexes.front());
    }
    // mi_ptr_encode of mimalloc's internal.h: rotl(p ^ k1, k0) + k0, the page standing for NULL.
    uint64_t encode(size_t slice, uint64_t next) const {
        const auto& keys = segment->slices[slice].keys.keys;
        uint64_t x = (next == 0 ? page_address(slice) : next) ^ keys[1], shift = keys[0] % 64;
        return (shift == 0 ? x : (x << shift) | (x >> (64 - shift))) + keys[0];
    }
    void queue(size_t heap, size_t bin, size_t slice) {
        thread->heaps[heap].pages[bin].first = ptr<void*>(page_address(slice));
    }
    pyxray::BufferMemory memory() const {
        pyxray::BufferMemory memory;
        memory.add(kSegment, segment.get(), sizeof(*segment));
        memory.add(kThread, thread.get(), sizeof(*thread));
        memory.add(kPool, &pool, sizeof(pool));
        for (size_t i = 0; i < areas.size(); i++)
            if (!areas[i].empty()) memory.add(block(i + 1, 0), areas[i]);
        return memory;
    }
    pyxray::GcObjectWalk walk(size_t max_objects = 1000) const {
        auto bytes = memory();
        uint64_t threads[] = {kThread};
        return pyxray::walk_mimalloc_gc_heaps(bytes, layout(), threads, kPool, {max_objects});
    }
};

using Image = ImageOf<false>;
using Page = Image::Page;
const pyxray::MimallocLayout& layout() { return Image::layout(); }

std::vector<uint64_t> blocks(size_t slice, std::vector<size_t> indexes, uint64_t offset = 0) {
    std::vector<uint64_t> out;
    for (size_t i : indexes) out.push_back(Image::block(slice, i) + offset);
    return out;
}

std::vector<uint64_t> sorted(std::vector<uint64_t> values) {
    std::sort(values.begin(), values.end());
    return values;
}

bool has_note(const pyxray::GcObjectWalk& walk, const std::string& part) {
    return std::any_of(walk.notes.begin(), walk.notes.end(),
                       [&](const std::string& note) { return note.find(part) != std::string::npos; });
}

TEST(MimallocObjects, SkipsBlocksOnEveryFreeListAndUntrackedOrFrozenObjects) {
    Image image;
    Page& page = image.add_page(1, 10, mi::kHeapGc);
    page.free = ptr<mi::Block*>(image.chain(1, {2, 5}));
    page.local_free = ptr<mi::Block*>(image.chain(1, {7}));
    page.xthread_free = image.chain(1, {8}) | 1;            // the delayed-free state rides in the low bits
    image.set_bits(1, 3, 0, 0);                             // untracked
    image.set_bits(1, 9, kTracked | mi::kGcBitsFrozen, 0);  // gc.freeze()
    image.set_bits(1, 6, kTracked | mi::kGcBitsUnreachable, 0);  // a collection's garbage
    image.queue(mi::kHeapGc, 5, 1);
    auto walk = image.walk();
    EXPECT_EQ(sorted(walk.objects), blocks(1, {0, 1, 4}));
    EXPECT_FALSE(walk.capped);
    EXPECT_TRUE(walk.notes.empty()) << walk.notes.front();
    auto bytes = image.memory();
    uint64_t threads[] = {kThread};
    auto census = pyxray::walk_mimalloc_gc_heaps(bytes, layout(), threads, kPool, {}, {},
                                                 pyxray::FrozenObjects::Included);
    EXPECT_EQ(sorted(census.objects), blocks(1, {0, 1, 4, 9})) << "frozen counted, unreachable not";
}

TEST(MimallocObjects, ObjectsOfThePreHeaderHeapStartTwoWordsIn) {
    Image image;
    image.add_page(1, 4, mi::kHeapGcPre, 0);
    for (size_t i = 0; i < 4; i++) image.set_bits(1, i, kTracked, layout().object_preheader);
    image.queue(mi::kHeapGcPre, 7, 1);
    EXPECT_EQ(sorted(image.walk().objects), blocks(1, {0, 1, 2, 3}, 16));
}

TEST(MimallocObjects, AbandonedSegmentsAreWalkedByPageTag) {
    Image image;
    image.add_page(1, 3, mi::kHeapGc);
    image.add_page(3, 2, 1);  // _Py_MIMALLOC_HEAP_OBJECT: not the GC's
    image.add_page(5, 2, mi::kHeapGc);
    image.segment->slices[5].free = ptr<mi::Block*>(Image::block(5, 1));
    image.pool.abandoned = kSegment | 0x2a;  // mi_tagged_segment_t: a tag in the low bits
    auto walk = image.walk();
    EXPECT_EQ(sorted(walk.objects),
              sorted({Image::block(1, 0), Image::block(1, 1), Image::block(1, 2), Image::block(5, 0)}));
    EXPECT_TRUE(walk.notes.empty()) << walk.notes.front();
}

TEST(MimallocObjects, ALoopInAFreeListEndsWithANote) {
    Image image;
    Page& page = image.add_page(1, 6, mi::kHeapGc);
    page.free = ptr<mi::Block*>(image.chain(1, {2, 4, 2}));
    image.queue(mi::kHeapGc, 5, 1);
    auto walk = image.walk();
    EXPECT_EQ(sorted(walk.objects), blocks(1, {0, 1, 3, 5}));
    EXPECT_TRUE(has_note(walk, "free list loops")) << ::testing::PrintToString(walk.notes);
}

TEST(MimallocObjects, AFreeListLeavingItsPageEndsWithANote) {
    Image image;
    Page& page = image.add_page(1, 4, mi::kHeapGc);
    page.free = ptr<mi::Block*>(Image::block(1, 1) + 8);  // not a block boundary
    image.queue(mi::kHeapGc, 5, 1);
    auto walk = image.walk();
    EXPECT_EQ(walk.objects.size(), 4u);
    EXPECT_TRUE(has_note(walk, "leaves the page")) << ::testing::PrintToString(walk.notes);
}

TEST(MimallocObjects, TheCapStopsTheWalkAndSaysSo) {
    Image image;
    image.add_page(1, 10, mi::kHeapGc);
    image.queue(mi::kHeapGc, 5, 1);
    auto walk = image.walk(3);
    EXPECT_EQ(walk.objects.size(), 3u);
    EXPECT_TRUE(walk.capped);
    EXPECT_TRUE(has_note(walk, "cap of 3 objects")) << ::testing::PrintToString(walk.notes);
}

TEST(MimallocObjects, AVisitorTakesTheObjectsInsteadOfTheListAndTheCapStillHolds) {
    Image image;
    image.add_page(1, 10, mi::kHeapGc);
    image.queue(mi::kHeapGc, 5, 1);
    auto bytes = image.memory();
    uint64_t threads[] = {kThread};
    std::vector<uint64_t> visited;
    auto walk = pyxray::walk_mimalloc_gc_heaps(bytes, layout(), threads, kPool, {4},
                                               [&](uint64_t object) { visited.push_back(object); });
    EXPECT_TRUE(walk.objects.empty());
    EXPECT_EQ(visited, blocks(1, {0, 1, 2, 3}));
    EXPECT_TRUE(walk.capped);
}

TEST(MimallocObjects, APageQueueThatLoopsIsWalkedOnce) {
    Image image;
    Page& page = image.add_page(1, 2, mi::kHeapGc);
    page.next = ptr<Page*>(Image::page_address(1));
    image.queue(mi::kHeapGc, 5, 1);
    image.queue(mi::kHeapGc, 6, 1);  // and listed twice
    auto walk = image.walk();
    EXPECT_EQ(walk.objects.size(), 2u);
    EXPECT_TRUE(has_note(walk, "loops back")) << ::testing::PrintToString(walk.notes);
}

TEST(MimallocObjects, ImpossiblePagesAndStrayThreadStatesAreSkippedWithANote) {
    Image image;
    Page& page = image.add_page(1, 4, mi::kHeapGc);
    page.reserved = 2;  // fewer than its capacity
    image.queue(mi::kHeapGc, 5, 1);
    image.thread->heaps[mi::kHeapGc].pages[9].first = ptr<void*>(0x1234);  // unreadable
    auto walk = image.walk();
    EXPECT_TRUE(walk.objects.empty());
    EXPECT_TRUE(has_note(walk, "claims 4 blocks")) << ::testing::PrintToString(walk.notes);
    EXPECT_TRUE(has_note(walk, "page 0x1234 unreadable")) << ::testing::PrintToString(walk.notes);

    Image stray;
    stray.thread->heaps[mi::kHeapGc].tld = nullptr;  // not a mimalloc thread state
    auto stray_walk = stray.walk();
    EXPECT_TRUE(has_note(stray_walk, "does not point at its tld"))
        << ::testing::PrintToString(stray_walk.notes);
}

// A thread's mimalloc state `offset` bytes past where its PyThreadState ends.
pyxray::BufferMemory thread_tail(const mi::ThreadState<false>& state, uint64_t tail, uint64_t offset) {
    std::vector<std::byte> bytes(offset + sizeof(state) + pyxray::kThreadScanWindow);
    std::memcpy(bytes.data() + offset, &state, sizeof(state));
    pyxray::BufferMemory memory;
    memory.add(tail, std::move(bytes));
    return memory;
}

TEST(MimallocObjects, AThreadsMimallocStateIsFoundByItsSignature) {
    Image image;
    constexpr uint64_t kTail = kThread - 200;  // where a PyThreadState would end
    auto memory = thread_tail(*image.thread, kTail, 200);
    EXPECT_EQ(pyxray::find_thread_mimalloc(memory, layout(), kTail, std::nullopt), 200u);
    EXPECT_EQ(pyxray::find_thread_mimalloc(memory, layout(), kTail, 200), 200u);
    EXPECT_EQ(pyxray::find_thread_mimalloc(memory, layout(), kTail, 96), 200u) << "a wrong mirror falls back";
    image.thread->heaps[mi::kHeapGcPre].tag = 7;  // not _Py_MIMALLOC_HEAP_GC_PRE
    auto tagged_wrong = thread_tail(*image.thread, kTail, 200);
    EXPECT_EQ(pyxray::find_thread_mimalloc(tagged_wrong, layout(), kTail, 200), std::nullopt);
}

TEST(MimallocObjects, DebugBuildsFreeListsAreDecodedAndTheirObjectsStartTwoWordsIn) {
    ImageOf<true> image;
    auto& page = image.add_page(1, 6, mi::kHeapGc);
    page.free = ptr<mi::Block*>(image.chain(1, {1, 4}));
    image.queue(mi::kHeapGc, 5, 1);
    auto bytes = image.memory();
    uint64_t threads[] = {kThread};
    auto walk = pyxray::walk_mimalloc_gc_heaps(bytes, image.layout(), threads, kPool, {});
    EXPECT_EQ(sorted(walk.objects), blocks(1, {0, 2, 3, 5}, 16));  // _PyMem_DebugEnabled's two words
    EXPECT_TRUE(walk.notes.empty()) << ::testing::PrintToString(walk.notes);
}

TEST(MimallocObjects, TheDebugAllocatorIsToldByItsHeaderInAReleaseBuildToo) {
    ImageOf<false, true> image;  // PYTHONMALLOC=debug or -X dev
    image.add_page(1, 3, mi::kHeapGc);
    image.add_page(2, 2, mi::kHeapGcPre, 0);
    for (size_t i = 0; i < 2; i++) image.set_bits(2, i, kTracked, image.layout().object_preheader);
    image.queue(mi::kHeapGc, 5, 1);
    image.queue(mi::kHeapGcPre, 6, 2);
    auto bytes = image.memory();
    uint64_t threads[] = {kThread};
    auto walk = pyxray::walk_mimalloc_gc_heaps(bytes, image.layout(), threads, kPool, {});
    auto expected = blocks(1, {0, 1, 2}, 16);
    for (uint64_t object : blocks(2, {0, 1}, 32)) expected.push_back(object);
    EXPECT_EQ(sorted(walk.objects), sorted(expected));
}

}  // namespace

#include "heap/mimalloc_objects.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "layout/debug_offsets.hpp"
#include "layout/debug_offsets_314.hpp"
#include "layout/mimalloc_mirrors.hpp"

namespace pyxray {
namespace {

namespace mi = mirror::mimalloc;

constexpr size_t kMaxPages = size_t{1} << 24;
constexpr size_t kMaxSegments = size_t{1} << 20;
constexpr size_t kMaxThreadStates = 65536;
constexpr size_t kMaxInterpreters = 1024;
// A page's blocks are read at once up to this size (small pages are 64 KiB, medium 512 KiB);
// beyond it (large and huge pages, few blocks each) block by block.
constexpr uint64_t kWholeAreaRead = uint64_t{8} << 20;

template <class T>
T field(std::span<const std::byte> bytes, uint64_t offset) {
    T value{};
    if (offset <= bytes.size() && sizeof(T) <= bytes.size() - offset)
        std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

std::string hex(uint64_t address) { return fmt::format("{:#x}", address); }

// _mi_segment_page_start_from_slice: where a page's blocks begin, and how many fit.
struct PageArea {
    uint64_t slices_start = 0, slices_end = 0;  // the page's slices; its blocks start after start_offset
    uint64_t start = 0;
    uint64_t block_size = 0;
    uint64_t capacity = 0;
    uint64_t end() const { return start + capacity * block_size; }
};

std::optional<PageArea> page_area(uint64_t page, std::span<const std::byte> bytes, const MimallocLayout& l,
                                  std::string& why) {
    uint64_t segment = page & ~(mi::kSegmentSize - 1);
    uint64_t index = (page - segment - l.segment_slices) / l.page_size;
    if (page < segment + l.segment_slices || (page - segment - l.segment_slices) % l.page_size != 0 ||
        index >= l.segment_max_slices) {
        why = "is not a slice of its segment";
        return std::nullopt;
    }
    auto xblock_size = field<uint32_t>(bytes, l.page_xblock_size);
    auto slice_count = field<uint32_t>(bytes, l.page_slice_count);
    if (xblock_size == 0 || slice_count == 0 || field<uint32_t>(bytes, l.page_slice_offset) != 0) {
        why = "is not an allocated page";
        return std::nullopt;
    }
    uint64_t start_offset = 0;  // keeps small blocks off OS-page alignment
    if (xblock_size >= sizeof(void*)) {
        if (xblock_size <= 64)
            start_offset = 3 * uint64_t{xblock_size};
        else if (xblock_size <= 512)
            start_offset = xblock_size;
    }
    uint64_t size = uint64_t{slice_count} * mi::kSliceSize;
    if (size <= start_offset) {
        why = "has no room for blocks";
        return std::nullopt;
    }
    size -= start_offset;
    PageArea area;
    area.slices_start = segment + index * mi::kSliceSize;
    area.slices_end = area.slices_start + uint64_t{slice_count} * mi::kSliceSize;
    area.start = area.slices_start + start_offset;
    area.block_size = xblock_size < mi::kHugeBlockSize ? xblock_size : size;
    area.capacity = field<uint16_t>(bytes, l.page_capacity);
    if (area.capacity > field<uint16_t>(bytes, l.page_reserved) || area.capacity * area.block_size > size) {
        why = fmt::format("claims {} blocks of {} bytes in {} bytes", area.capacity, area.block_size, size);
        return std::nullopt;
    }
    return area;
}

// A page's blocks: read at once when small enough, else a word at a time. The first try reads
// the page's whole slices (64 KiB for a small page): one read large enough to pass a page cache
// by rather than go through it 4 KiB at a time; the blocks alone are the fallback.
class BlockReader {
public:
    BlockReader(const Memory& memory, const PageArea& area) : memory_(memory) {
        if (area.slices_end - area.slices_start <= kWholeAreaRead && load(area.slices_start, area.slices_end))
            return;
        if (area.end() - area.start <= kWholeAreaRead) load(area.start, area.end());
    }
    template <class T>
    std::optional<T> read(uint64_t address) const {
        T value{};
        if (!bytes_.empty()) {
            if (address < start_ || address - start_ + sizeof(T) > bytes_.size()) return std::nullopt;
            std::memcpy(&value, bytes_.data() + (address - start_), sizeof(T));
            return value;
        }
        auto result = read_value<T>(memory_, address);
        if (!result) return std::nullopt;
        return *result;
    }

private:
    bool load(uint64_t start, uint64_t end) {
        bytes_.resize(end - start);
        start_ = start;
        if (memory_.read(start, bytes_)) return true;
        bytes_.clear();
        return false;
    }

    const Memory& memory_;
    uint64_t start_ = 0;
    std::vector<std::byte> bytes_;
};

class Walker {
public:
    Walker(const Memory& memory, const MimallocLayout& layout, const HeapWalkLimits& limits,
           const GcObjectVisitor& visit, FrozenObjects frozen)
        : memory_(memory), l_(layout), limits_(limits), visit_(visit) {
        if (frozen == FrozenObjects::Excluded) left_out_ |= mi::kGcBitsFrozen;
    }

    // One thread's GC heaps; the abandoned pool its tld names, when it could be read.
    std::optional<uint64_t> thread(uint64_t state) {
        auto bytes = read_bytes(memory_, state, l_.thread_size);
        if (!bytes) {
            note(fmt::format("thread mimalloc state at {} unreadable: its heaps were skipped", hex(state)));
            return std::nullopt;
        }
        if (field<int32_t>(*bytes, l_.thread_initialized) == 0) return std::nullopt;  // not bound yet
        for (uint64_t id : {mi::kHeapGc, mi::kHeapGcPre}) {
            uint64_t heap_offset = l_.thread_heaps + id * l_.heap_size;
            if (field<uint64_t>(*bytes, heap_offset + l_.heap_tld) != state + l_.thread_tld) {
                note(fmt::format("thread mimalloc state at {}: heap {} does not point at its tld; skipped",
                                 hex(state), id));
                return std::nullopt;
            }
            heap(std::span(*bytes).subspan(heap_offset, l_.heap_size), id == mi::kHeapGcPre);
        }
        return field<uint64_t>(*bytes, l_.thread_tld + l_.tld_abandoned_pool);
    }

    // _mi_abandoned_pool_visit_blocks: the visited list, then the tagged abandoned list.
    void pool(uint64_t pool) {
        auto bytes = read_bytes(memory_, pool, l_.pool_abandoned + sizeof(uint64_t));
        if (!bytes) {
            note(fmt::format("abandoned pool at {} unreadable: objects of exited threads were skipped",
                             hex(pool)));
            return;
        }
        segments(field<uint64_t>(*bytes, l_.pool_abandoned_visited));
        segments(field<uint64_t>(*bytes, l_.pool_abandoned) & ~(mi::kSegmentSize - 1));
    }

    GcObjectWalk take() { return std::move(out_); }

private:
    bool stopped() const { return out_.capped || pages_ >= kMaxPages; }
    void note(std::string text) { out_.notes.push_back(std::move(text)); }

    // mi_heap_visit_pages: every page queue (the full queue included), each a list by page->next.
    void heap(std::span<const std::byte> heap, bool preheader) {
        for (uint64_t q = 0; q < l_.queue_count && !stopped(); q++) {
            uint64_t page = field<uint64_t>(heap, l_.heap_pages + q * l_.queue_size + l_.queue_first);
            while (page != 0 && !stopped()) {
                if (!seen_pages_.insert(page).second) {
                    note(fmt::format("page queue {} loops back to page {}: rest of queue skipped", q,
                                     hex(page)));
                    break;
                }
                auto bytes = read_bytes(memory_, page, l_.page_size);
                if (!bytes) {
                    note(fmt::format("page {} unreadable: rest of its queue skipped", hex(page)));
                    break;
                }
                visit_page(page, *bytes, preheader);
                page = field<uint64_t>(*bytes, l_.page_next);
            }
        }
    }

    void segments(uint64_t segment) {
        while (segment != 0 && !stopped()) {
            if (seen_segments_.size() >= kMaxSegments || !seen_segments_.insert(segment).second) {
                note(fmt::format("abandoned segment list loops or exceeds {} segments at {}", kMaxSegments,
                                 hex(segment)));
                return;
            }
            auto next = read_pointer(memory_, segment + l_.segment_abandoned_next);
            visit_segment(segment);
            if (!next) {
                note(fmt::format("abandoned segment {} unreadable: rest of the list skipped", hex(segment)));
                return;
            }
            segment = *next;
        }
    }

    // mi_segment_visit_blocks: the used spans after the segment's own, of the GC heaps' tags.
    void visit_segment(uint64_t segment) {
        auto entries = read_value<uint64_t>(memory_, segment + l_.segment_slice_entries);
        if (!entries || *entries == 0 || *entries > l_.segment_max_slices) {
            note(fmt::format("abandoned segment {}: unreadable or impossible slice count; skipped",
                             hex(segment)));
            return;
        }
        uint64_t slices = segment + l_.segment_slices;
        auto bytes = read_bytes(memory_, slices, *entries * l_.page_size);
        if (!bytes) {
            note(fmt::format("abandoned segment {}: slices unreadable; skipped", hex(segment)));
            return;
        }
        auto slice_at = [&](uint64_t i) { return std::span(*bytes).subspan(i * l_.page_size, l_.page_size); };
        uint64_t i = field<uint32_t>(slice_at(0), l_.page_slice_count);
        while (i < *entries && !stopped()) {
            auto slice = slice_at(i);
            uint32_t count = field<uint32_t>(slice, l_.page_slice_count);
            if (count == 0) {
                note(fmt::format("abandoned segment {}: empty span at slice {}; rest skipped", hex(segment),
                                 i));
                return;
            }
            uint8_t tag = mimalloc_page_tag(field<uint8_t>(slice, l_.page_bits));
            uint64_t page = slices + i * l_.page_size;
            if (field<uint32_t>(slice, l_.page_xblock_size) > 0 &&
                (tag == mi::kHeapGc || tag == mi::kHeapGcPre) && seen_pages_.insert(page).second) {
                visit_page(page, slice, tag == mi::kHeapGcPre);
            }
            i += count;
        }
    }

    // mi_block_nextx: plain, or decoded with the page's keys under MI_ENCODE_FREELIST.
    uint64_t decode(uint64_t page, std::span<const std::byte> bytes, uint64_t raw) const {
        if (!l_.page_keys) return raw;
        uint64_t k0 = field<uint64_t>(bytes, *l_.page_keys), k1 = field<uint64_t>(bytes, *l_.page_keys + 8);
        uint64_t x = raw - k0, shift = k0 % 64;
        uint64_t p = (shift == 0 ? x : (x >> shift) | (x << (64 - shift))) ^ k1;
        return p == page ? 0 : p;
    }

    // Marks one free list's blocks; a list that leaves the page or loops is cut with a note.
    void mark_free(uint64_t page, std::span<const std::byte> bytes, const PageArea& area,
                   const BlockReader& blocks, uint64_t head, std::vector<uint8_t>& free) {
        for (uint64_t block = head; block != 0;) {
            if (block < area.start || block >= area.end() || (block - area.start) % area.block_size != 0) {
                note(fmt::format("page {}: free list leaves the page at {}", hex(page), hex(block)));
                return;
            }
            uint64_t index = (block - area.start) / area.block_size;
            if (free[index]) {
                note(fmt::format("page {}: free list loops at {}", hex(page), hex(block)));
                return;
            }
            free[index] = 1;
            auto next = blocks.read<uint64_t>(block);
            if (!next) {
                note(fmt::format("page {}: free block {} unreadable", hex(page), hex(block)));
                return;
            }
            block = decode(page, bytes, *next);
        }
    }

    // mi_heap_area_visit_blocks after _mi_page_free_collect: every block below capacity that is on
    // none of the free, local_free and thread-free lists holds an object.
    // Whether CPython's debug allocator wrote the blocks (gc_visit_heaps_lock_held's
    // _PyMem_DebugEnabled(), a run-time choice: PYTHONMALLOC, -X dev, Py_DEBUG's default), told by
    // the header it leaves in the first allocated block seen: a free-threaded object header has a
    // zero _padding and never 0xFD gc bits where the debug header has its API id and guard bytes.
    bool debug_allocator(const BlockReader& blocks, uint64_t block) {
        if (!debug_allocator_) {
            auto word = blocks.read<uint64_t>(block + sizeof(uint64_t));
            if (!word) return false;
            uint64_t guard = mi::kDebugAllocatorObjectApi;
            for (int i = 1; i < 8; i++) guard |= uint64_t{mi::kForbiddenByte} << (8 * i);
            debug_allocator_ = *word == guard;
        }
        return *debug_allocator_;
    }

    void visit_page(uint64_t page, std::span<const std::byte> bytes, bool preheader) {
        pages_++;
        std::string why;
        auto area = page_area(page, bytes, l_, why);
        if (!area) {
            note(fmt::format("page {} {}; skipped", hex(page), why));
            return;
        }
        if (field<uint32_t>(bytes, l_.page_used) == 0 || area->capacity == 0) return;
        BlockReader blocks(memory_, *area);
        std::vector<uint8_t> free(area->capacity, 0);
        mark_free(page, bytes, *area, blocks, field<uint64_t>(bytes, l_.page_free), free);
        mark_free(page, bytes, *area, blocks, field<uint64_t>(bytes, l_.page_local_free), free);
        mark_free(page, bytes, *area, blocks, field<uint64_t>(bytes, l_.page_xthread_free) & ~uint64_t{3},
                  free);
        auto first = std::find(free.begin(), free.end(), 0);
        if (first == free.end()) return;
        uint64_t first_block = area->start + uint64_t(first - free.begin()) * area->block_size;
        uint64_t object_offset = (debug_allocator(blocks, first_block) ? mi::kDebugAllocatorHeader : 0) +
                                 (preheader ? l_.object_preheader : 0);
        if (object_offset + l_.object_gc_bits >= area->block_size) {
            note(fmt::format("page {}: blocks of {} bytes cannot hold objects; skipped", hex(page),
                             area->block_size));
            return;
        }
        size_t unreadable = 0;
        for (uint64_t i = 0; i < area->capacity; i++) {
            if (free[i]) continue;
            uint64_t object = area->start + i * area->block_size + object_offset;
            auto bits = blocks.read<uint8_t>(object + l_.object_gc_bits);
            if (!bits) {
                unreadable++;
                continue;
            }
            if ((*bits & mi::kGcBitsTracked) == 0 || (*bits & left_out_) != 0) continue;
            if (found_ >= limits_.max_objects) {
                out_.capped = true;
                note(fmt::format("stopped at the cap of {} objects", limits_.max_objects));
                return;
            }
            found_++;
            if (visit_)
                visit_(object);
            else
                out_.objects.push_back(object);
        }
        if (unreadable > 0) note(fmt::format("page {}: {} blocks unreadable", hex(page), unreadable));
    }

    const Memory& memory_;
    const MimallocLayout& l_;
    const HeapWalkLimits& limits_;
    const GcObjectVisitor& visit_;
    uint8_t left_out_ = mi::kGcBitsUnreachable;  // tracked objects a collection or gc.freeze() set aside
    GcObjectWalk out_;
    size_t found_ = 0;
    std::unordered_set<uint64_t> seen_pages_;
    std::unordered_set<uint64_t> seen_segments_;
    size_t pages_ = 0;
    std::optional<bool> debug_allocator_;
};

// interp->threads.head, then each PyThreadState.next.
std::vector<uint64_t> thread_states(const Memory& memory, const Offsets& offsets, uint64_t interp,
                                    std::vector<std::string>& notes) {
    std::vector<uint64_t> states;
    std::unordered_set<uint64_t> seen;
    auto head = read_pointer(memory, interp + offsets.interpreter_state.threads_head);
    if (!head) {
        notes.push_back(fmt::format("interpreter {}: thread list unreadable", hex(interp)));
        return states;
    }
    for (uint64_t state = *head; state != 0;) {
        if (states.size() >= kMaxThreadStates || !seen.insert(state).second) {
            notes.push_back(fmt::format("interpreter {}: thread list loops or exceeds {} states at {}",
                                        hex(interp), kMaxThreadStates, hex(state)));
            break;
        }
        states.push_back(state);
        auto next = read_pointer(memory, state + offsets.thread_state.next);
        if (!next) {
            notes.push_back(fmt::format("thread state {} unreadable: later threads skipped", hex(state)));
            break;
        }
        state = *next;
    }
    return states;
}

// A _mimalloc_thread_state proves itself: each heap points at the state's own tld and carries
// its heap id as tag (tstate_mimalloc_bind: _mi_heap_init_ex(&heaps[i], &tld, ..., i)).
bool is_thread_mimalloc(std::span<const std::byte> bytes, uint64_t address, const MimallocLayout& l) {
    for (uint64_t id = 0; id < mi::kHeapCount; id++) {
        uint64_t heap = l.thread_heaps + id * l.heap_size;
        if (field<uint64_t>(bytes, heap + l.heap_tld) != address + l.thread_tld) return false;
        if (field<uint8_t>(bytes, heap + l.heap_tag) != id) return false;
    }
    return true;
}

// Where each thread state of a target keeps its mimalloc state.
struct ThreadLayout {
    const Offsets& offsets;
    uint64_t thread_state_size;        // sizeof(PyThreadState), from the target's _Py_DebugOffsets
    std::optional<uint64_t> expected;  // _PyThreadStateImpl.mimalloc past it, when mirrored
};

constexpr uint64_t kMaxPoolOffset = uint64_t{1} << 20;  // PyInterpreterState is a few hundred KiB

// The offset of interp->mimalloc.abandoned_pool, which pyxray does not mirror (PyInterpreterState
// is large and changes within a version): a bound thread's tld names its interpreter's pool, and
// the offset is the same for every interpreter of the process, so an interpreter without threads
// (a subinterpreter between two runs) is found through one that has some.
std::optional<uint64_t> abandoned_pool_offset(const Memory& memory, const MimallocLayout& l,
                                              const ThreadLayout& t, uint64_t runtime) {
    auto head = read_pointer(memory, runtime + t.offsets.runtime_state.interpreters_head);
    std::unordered_set<uint64_t> seen;
    std::vector<std::string> ignored;
    for (uint64_t interp = head ? *head : 0; interp != 0 && seen.insert(interp).second;) {
        if (seen.size() > kMaxInterpreters) break;
        for (uint64_t state : thread_states(memory, t.offsets, interp, ignored)) {
            uint64_t tail = state + t.thread_state_size;
            auto found = find_thread_mimalloc(memory, l, tail, t.expected);
            if (!found) continue;
            auto pool = read_pointer(memory, tail + *found + l.thread_tld + l.tld_abandoned_pool);
            if (pool && *pool > interp && *pool - interp < kMaxPoolOffset && *pool % 8 == 0)
                return *pool - interp;
        }
        auto next = read_pointer(memory, interp + t.offsets.interpreter_state.next);
        if (!next) break;
        interp = *next;
    }
    return std::nullopt;
}

}  // namespace

std::optional<uint64_t> find_thread_mimalloc(const Memory& memory, const MimallocLayout& l, uint64_t tail,
                                             std::optional<uint64_t> expected) {
    auto window = read_bytes(memory, tail, kThreadScanWindow + l.thread_size);
    if (!window) return std::nullopt;
    auto fits = [&](uint64_t offset) {
        return is_thread_mimalloc(std::span(*window).subspan(offset, l.thread_size), tail + offset, l);
    };
    if (expected && *expected <= kThreadScanWindow && fits(*expected)) return expected;
    for (uint64_t offset = 0; offset <= kThreadScanWindow; offset += sizeof(uint64_t))
        if (fits(offset)) return offset;
    return std::nullopt;
}

GcObjectWalk walk_mimalloc_gc_heaps(const Memory& memory, const MimallocLayout& layout,
                                    std::span<const uint64_t> thread_states, std::optional<uint64_t> pool,
                                    const HeapWalkLimits& limits, const GcObjectVisitor& visit,
                                    FrozenObjects frozen) {
    Walker walker(memory, layout, limits, visit, frozen);
    std::optional<uint64_t> named_pool;
    for (uint64_t state : thread_states) {
        auto named = walker.thread(state);
        if (!named_pool && named && *named != 0) named_pool = named;
    }
    if (!pool) pool = named_pool;
    if (pool) walker.pool(*pool);
    GcObjectWalk walk = walker.take();
    if (!pool)
        walk.notes.push_back("no thread names the abandoned pool: objects of exited threads not counted");
    return walk;
}

Result<GcObjectWalk> free_threaded_gc_objects(const Memory& memory, const Offsets& offsets,
                                              const RuntimeInfo& runtime, uint64_t interp,
                                              const HeapWalkLimits& limits, const GcObjectVisitor& visit,
                                              FrozenObjects frozen) {
    auto version = PythonVersion::from_hex(runtime.version_hex);
    if (!runtime.free_threaded)
        return fail(ErrorCode::InvalidArgument,
                    "not a free-threaded build: its GC objects are on the GC lists");
    if (version.major != 3 || version.minor < 13 || version.minor > 14)
        return fail(
            ErrorCode::Unsupported,
            fmt::format("walking mimalloc's heaps of free-threaded CPython {} is not supported (3.13t is, "
                        "3.14t from its headers; CPython's repository shows a later mimalloc that keeps "
                        "exited threads' segments in arenas, which this walk does not read)",
                        version.str()));
    // PyThreadState grew within 3.13 (3.13.15 added datastack_cached_chunk): take its size from
    // the target rather than from a mirror of one micro version.
    PYXRAY_TRY(table, read_versioned_debug_table(memory, runtime.runtime_address, version));
    if (auto valid = validate_debug_offsets(table.common, version, BuildKind::FreeThreaded); !valid)
        return fail(ErrorCode::BadData,
                    "the heap walk needs the target's _Py_DebugOffsets (for the size of PyThreadState): " +
                        valid.error().message,
                    runtime.runtime_address);
    const MimallocLayout& layout = mimalloc_layout_313t(runtime.debug_build);
    std::optional<uint64_t> expected;
    if (version.minor == 13) expected = layout.thread_mimalloc_after_base;
    std::vector<std::string> notes;
    auto states = thread_states(memory, offsets, interp, notes);
    std::optional<uint64_t> found;
    for (uint64_t state : states) {
        found = find_thread_mimalloc(memory, layout, state + table.common.thread_state.size, expected);
        if (found) break;
    }
    if (!found && !states.empty())
        return fail(ErrorCode::Unsupported,
                    fmt::format("none of the {} thread states of interpreter {} holds a mimalloc state where "
                                "pyxray looks (up to {} bytes past PyThreadState): this build's "
                                "_PyThreadStateImpl or mimalloc is not one pyxray knows",
                                states.size(), hex(interp), kThreadScanWindow),
                    interp);
    std::vector<uint64_t> mimalloc_states;
    mimalloc_states.reserve(states.size());
    for (uint64_t state : states) mimalloc_states.push_back(state + table.common.thread_state.size + *found);
    std::optional<uint64_t> pool;
    ThreadLayout threads{offsets, table.common.thread_state.size, expected};
    if (auto offset = abandoned_pool_offset(memory, layout, threads, runtime.runtime_address))
        pool = interp + *offset;
    GcObjectWalk walk = walk_mimalloc_gc_heaps(memory, layout, mimalloc_states, pool, limits, visit, frozen);
    walk.notes.insert(walk.notes.begin(), notes.begin(), notes.end());
    return walk;
}

}  // namespace pyxray

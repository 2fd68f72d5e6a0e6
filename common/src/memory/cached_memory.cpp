// A page cache in front of another memory source. Decoding a deep stack reads the same few pages
// over and over in small pieces, and each uncached read is a syscall or a debugger round trip.
// Not thread-safe: one cache serves one decoding thread.
#include <algorithm>
#include <memory>
#include <unordered_map>
#include <vector>

#include "pyxray/memory.hpp"

namespace pyxray {
namespace {

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kNoPage = ~uint64_t{0};
constexpr size_t kNoSlot = ~size_t{0};
// Reads this large gain nothing from the cache and would evict the pages that do; 64 KiB is
// a mimalloc small page, which the free-threaded heap walk reads whole (a cached 64 KiB read
// costs 16 page loads: a 300,000-object walk of a core took 0.16 s through the cache, 0.006 s
// past it).
constexpr size_t kBypassBytes = 16 * kPageSize;

struct Page {
    uint64_t number = kNoPage;
    bool readable = false;    // false: the whole page failed, read exact ranges through
    bool referenced = false;  // the clock hand's second chance
    std::unique_ptr<std::byte[]> bytes;
};

class CachedMemory final : public Memory {
public:
    CachedMemory(std::unique_ptr<Memory> inner, size_t max_pages)
        : inner_(std::move(inner)), max_pages_(std::max<size_t>(max_pages, 1)) {}

    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        bool wraps = !out.empty() && out.size() - 1 > UINT64_MAX - address;
        if (out.size() >= kBypassBytes || wraps) return inner_->read(address, out);
        size_t done = 0;
        while (done < out.size()) {
            uint64_t cursor = address + done;
            size_t in_page = cursor % kPageSize;
            size_t count = std::min<size_t>(out.size() - done, kPageSize - in_page);
            const Page& page = page_at(cursor / kPageSize);
            if (page.readable)
                std::memcpy(out.data() + done, page.bytes.get() + in_page, count);
            else  // the last page of a mapping or a core segment may be readable only in part
                PYXRAY_TRY_VOID(inner_->read(cursor, out.subspan(done, count)));
            done += count;
        }
        return {};
    }

    // The page buffers are kept: a sampler invalidates hundreds of times a second.
    void invalidate() const override {
        index_.clear();
        for (Page& page : pages_) page = Page{kNoPage, false, false, std::move(page.bytes)};
        slots_in_use_ = 0;
        hand_ = 0;
        last_slot_ = kNoSlot;
        inner_->invalidate();
    }

private:
    const Page& page_at(uint64_t number) const {
        if (last_slot_ != kNoSlot && pages_[last_slot_].number == number) return pages_[last_slot_];
        auto found = index_.find(number);
        size_t slot = found != index_.end() ? found->second : load(number);
        pages_[slot].referenced = true;
        last_slot_ = slot;
        return pages_[slot];
    }

    size_t load(uint64_t number) const {
        size_t slot = free_slot();
        Page& page = pages_[slot];
        if (!page.bytes) page.bytes = std::make_unique_for_overwrite<std::byte[]>(kPageSize);
        page.number = number;
        page.readable = inner_->read(number * kPageSize, std::span(page.bytes.get(), kPageSize)).has_value();
        index_.emplace(number, slot);
        return slot;
    }

    // A slot not in use (left by invalidate, or new while under the cap), else the first page
    // the clock hand finds unreferenced.
    size_t free_slot() const {
        if (slots_in_use_ < pages_.size()) return slots_in_use_++;
        if (pages_.size() < max_pages_) {
            pages_.emplace_back();
            return slots_in_use_++;
        }
        while (pages_[hand_].referenced) {
            pages_[hand_].referenced = false;
            hand_ = (hand_ + 1) % pages_.size();
        }
        size_t victim = hand_;
        hand_ = (hand_ + 1) % pages_.size();
        index_.erase(pages_[victim].number);
        return victim;
    }

    std::unique_ptr<Memory> inner_;
    size_t max_pages_;
    mutable std::unordered_map<uint64_t, size_t> index_;  // page number -> slot in pages_
    mutable std::vector<Page> pages_;
    mutable size_t slots_in_use_ = 0;  // pages_[0, slots_in_use_) hold pages
    mutable size_t hand_ = 0;
    mutable size_t last_slot_ = kNoSlot;  // most reads hit the page the previous one did
};

}  // namespace

std::unique_ptr<Memory> make_cached_memory(std::unique_ptr<Memory> inner, size_t max_pages) {
    return std::make_unique<CachedMemory>(std::move(inner), max_pages);
}

}  // namespace pyxray

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
// A sample of a few threads reads some dozens of pages; more than this was not a sample (a
// heap walk, say), and reloading it all would cost more than it saves.
constexpr size_t kMaxWorkingSet = 1024;

struct Page {
    uint64_t number = kNoPage;
    bool readable = false;    // false: the whole page failed, read exact ranges through
    bool referenced = false;  // the clock hand's second chance
    bool used = false;        // read through since it was loaded: part of the working set
    std::unique_ptr<std::byte[]> bytes;
};

class CachedMemory final : public Memory {
public:
    CachedMemory(std::unique_ptr<Memory> inner, size_t max_pages)
        : inner_(std::move(inner)), max_pages_(std::max<size_t>(max_pages, 1)) {}

    Result<void> read(uint64_t address, std::span<std::byte> out) const override {
        bool wraps = !out.empty() && out.size() - 1 > UINT64_MAX - address;
        if (out.size() >= kBypassBytes || wraps) return inner_->read(address, out);
        if (refresh_pending_) reload_working_set();
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
        remember_working_set();
        index_.clear();
        for (Page& page : pages_) page = Page{kNoPage, false, false, false, std::move(page.bytes)};
        slots_in_use_ = 0;
        hand_ = 0;
        last_slot_ = kNoSlot;
        inner_->invalidate();
    }

private:
    // The readable pages read since the last invalidate(), when the source reads batches.
    void remember_working_set() const {
        working_set_.clear();
        refresh_pending_ = false;
        if (!inner_->reads_in_batches()) return;
        for (size_t slot = 0; slot < slots_in_use_; ++slot)
            if (pages_[slot].used && pages_[slot].readable) working_set_.push_back(pages_[slot].number);
        if (working_set_.size() > kMaxWorkingSet) working_set_.clear();
        refresh_pending_ = !working_set_.empty();
    }

    // The working set in one batch, into the first slots (invalidate() left them all free); a
    // page that fails now is left out and loaded alone if it is read.
    void reload_working_set() const {
        refresh_pending_ = false;
        if (pages_.size() < working_set_.size()) pages_.resize(working_set_.size());
        batch_.clear();
        for (size_t i = 0; i < working_set_.size(); ++i) {
            Page& page = pages_[i];
            if (!page.bytes) page.bytes = std::make_unique_for_overwrite<std::byte[]>(kPageSize);
            batch_.push_back({working_set_[i] * kPageSize, std::span(page.bytes.get(), kPageSize)});
        }
        inner_->read_batch(batch_);
        for (size_t i = 0; i < working_set_.size(); ++i) {
            if (!batch_[i].readable) continue;
            size_t slot = slots_in_use_++;
            if (slot != i) std::swap(pages_[slot].bytes, pages_[i].bytes);
            pages_[slot].number = working_set_[i];
            pages_[slot].readable = true;
            index_.emplace(working_set_[i], slot);
        }
    }

    const Page& page_at(uint64_t number) const {
        if (last_slot_ != kNoSlot && pages_[last_slot_].number == number) return pages_[last_slot_];
        auto found = index_.find(number);
        size_t slot = found != index_.end() ? found->second : load(number);
        pages_[slot].referenced = true;
        pages_[slot].used = true;
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
    mutable size_t last_slot_ = kNoSlot;         // most reads hit the page the previous one did
    mutable std::vector<uint64_t> working_set_;  // page numbers to reload after invalidate()
    mutable bool refresh_pending_ = false;
    mutable std::vector<Memory::BatchRead> batch_;
};

}  // namespace

std::unique_ptr<Memory> make_cached_memory(std::unique_ptr<Memory> inner, size_t max_pages) {
    return std::make_unique<CachedMemory>(std::move(inner), max_pages);
}

}  // namespace pyxray

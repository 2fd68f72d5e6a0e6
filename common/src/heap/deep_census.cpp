#include "heap/deep_census.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <unordered_set>

namespace pyxray {
namespace {

constexpr size_t kMaxItemsFollowed = 1 << 20;  // references read from one container

using SlotValues = std::vector<std::pair<std::string, uint64_t>>;

class DeepWalk {
public:
    DeepWalk(const Memory& memory, const Offsets& offsets, TypeCounter& types, std::vector<uint64_t> tracked,
             const HeapOptions& options, HeapReport& report)
        : memory_(memory),
          offsets_(offsets),
          types_(types),
          tracked_(std::move(tracked)),
          options_(options),
          report_(report) {
        std::sort(tracked_.begin(), tracked_.end());
    }

    void run() {
        for (uint64_t object : tracked_) {
            follow(object);
            if (report_.deep_capped) return;
            while (!pending_.empty() && !report_.deep_capped) {
                uint64_t next = pending_.front();
                pending_.pop_front();
                follow(next);
            }
        }
    }

private:
    void follow(uint64_t object) {
        auto type = read_pointer(memory_, object + offsets_.pyobject.ob_type);
        if (!type) return;
        const TypeSlot* slot = types_.slot_for(*type);
        if (!slot) return;
        for (uint64_t child : children(object, *slot)) visit(child);
    }

    std::vector<uint64_t> children(uint64_t object, const TypeSlot& slot) {
        const objects::Decoder& decoder = types_.decoder();
        std::vector<uint64_t> out;
        switch (slot.sizing.family) {
            case SizeFamily::List:
            case SizeFamily::Tuple:
                return sequence(object, slot.sizing.family);
            case SizeFamily::Dict:
                for (const auto& [key, value] :
                     decoder.dict_items(object, kMaxItemsFollowed).value_or(objects::Items{})) {
                    out.push_back(key);
                    out.push_back(value);
                }
                return out;
            case SizeFamily::Set:
                if (auto keys = decoder.set_keys(object, kMaxItemsFollowed)) return keys->keys;
                return out;
            default:
                break;
        }
        if (slot.family != objects::Family::Instance) return out;
        auto type = decoder.type_of(object);
        if (!type) return out;
        for (const auto& [key, value] :
             decoder.instance_namespace(object, *type, kMaxItemsFollowed).value_or(objects::Items{}))
            out.push_back(value);
        for (const auto& [name, value] : decoder.slot_values(object, *type).value_or(SlotValues{}))
            out.push_back(value);
        return out;
    }

    std::vector<uint64_t> sequence(uint64_t object, SizeFamily family) {
        const auto& layout =
            family == SizeFamily::List ? offsets_.objects.list_object : offsets_.objects.tuple_object;
        auto size = read_value<int64_t>(memory_, object + layout.ob_size);
        if (!size || *size <= 0) return {};
        size_t count = std::min<size_t>(static_cast<size_t>(*size), kMaxItemsFollowed);
        uint64_t items = object + layout.ob_item;
        if (family == SizeFamily::List) {
            auto pointer = read_pointer(memory_, items);
            if (!pointer) return {};
            items = *pointer;
        }
        return objects::read_pointers(memory_, items, count).value_or(std::vector<uint64_t>{});
    }

    void visit(uint64_t child) {
        if (child == 0 || std::binary_search(tracked_.begin(), tracked_.end(), child)) return;
        if (!seen_.insert(child).second) return;
        if (seen_.size() > options_.deep_cap) {
            report_.deep_capped = true;
            return;
        }
        auto head = read_head(memory_, offsets_, child);
        if (!head) return;
        const TypeSlot* slot = types_.slot_for(head->type);
        if (!slot) return;
        ObjectSize size = object_size(memory_, offsets_, child, slot->sizing, head->ob_size);
        HeapType& entry = report_.types[slot->index];
        ++entry.untracked_count;
        entry.untracked_bytes += size.bytes;
        ++report_.deep_visited;
        if (is_container(slot->sizing.family) || slot->family == objects::Family::Instance)
            pending_.push_back(child);
    }

    const Memory& memory_;
    const Offsets& offsets_;
    TypeCounter& types_;
    std::vector<uint64_t> tracked_;
    const HeapOptions& options_;
    HeapReport& report_;
    std::unordered_set<uint64_t> seen_;
    std::deque<uint64_t> pending_;
};

}  // namespace

void count_untracked(const Memory& memory, const Offsets& offsets, TypeCounter& types,
                     std::vector<uint64_t> tracked, const HeapOptions& options, HeapReport& report) {
    report.deep = true;
    DeepWalk(memory, offsets, types, std::move(tracked), options, report).run();
    if (report.deep_capped)
        report.notes.push_back(
            fmt::format("--deep stopped at {} untracked objects (the cap, --deep-cap N)", options.deep_cap));
}

}  // namespace pyxray

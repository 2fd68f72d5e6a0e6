#include "heap/type_counter.hpp"

namespace pyxray {

TypeCounter::TypeCounter(const Memory& memory, const Offsets& offsets, int minor,
                         std::vector<HeapType>& types)
    : decoder_(memory, offsets, ReprLimits{}),
      minor_(minor),
      gc_head_size_(offsets.gc_lists ? offsets.gc_lists->head_size : 0),
      types_(types) {}

const TypeSlot* TypeCounter::slot_for(uint64_t type) {
    auto found = by_type_.find(type);
    if (found != by_type_.end()) return found->second ? &*found->second : nullptr;
    auto info = decoder_.read_type(type);
    if (!info) {
        by_type_.emplace(type, std::nullopt);
        return nullptr;
    }
    std::string module = decoder_.type_module(*info).value_or("?");
    std::string qualname = decoder_.type_qualname(*info).value_or(info->name);
    auto key = std::make_pair(module, qualname);
    auto [named, added] = by_name_.try_emplace(std::move(key), types_.size());
    if (added) types_.push_back(HeapType{std::move(module), std::move(qualname), 0, 0, 0, 0, {}});
    TypeSlot slot{named->second, type_sizing(decoder_, *info, minor_, gc_head_size_),
                  (info->flags & type_flags::kTypeSubclass) != 0, decoder_.family_of(*info)};
    return &*by_type_.emplace(type, slot).first->second;
}

std::string qualified_name(const HeapType& type) {
    return type.module == "builtins" ? type.qualname : type.module + "." + type.qualname;
}

}  // namespace pyxray

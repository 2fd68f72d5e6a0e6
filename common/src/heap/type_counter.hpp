// The census's table of types: each type object met is read once (its name, the builtin family
// whose size and length it inherits, the bytes its pre-header adds) and counted under its
// module and qualified name, so a subinterpreter's copy of a class counts with the main one's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "heap/object_sizes.hpp"
#include "objects/decoder.hpp"
#include "pyxray/heap.hpp"

namespace pyxray {

struct TypeSlot {
    size_t index = 0;  // in the HeapType table
    TypeSizing sizing;
    bool metatype = false;  // its instances are classes
    objects::Family family = objects::Family::Unknown;
};

// A container whose length and size the census reports (list, tuple, dict, set, frozenset).
constexpr bool is_container(SizeFamily family) {
    return family == SizeFamily::List || family == SizeFamily::Tuple || family == SizeFamily::Dict ||
           family == SizeFamily::Set;
}

class TypeCounter {
public:
    TypeCounter(const Memory& memory, const Offsets& offsets, int minor, std::vector<HeapType>& types);
    // The type's slot, or null when the type object cannot be read.
    const TypeSlot* slot_for(uint64_t type);
    const objects::Decoder& decoder() const { return decoder_; }

private:
    objects::Decoder decoder_;
    int minor_;
    uint64_t gc_head_size_;
    std::vector<HeapType>& types_;
    std::unordered_map<uint64_t, std::optional<TypeSlot>> by_type_;
    std::map<std::pair<std::string, std::string>, size_t> by_name_;
};

// "list", "app.models.Order": a builtin's bare name, anything else's module and qualname.
std::string qualified_name(const HeapType& type);

}  // namespace pyxray

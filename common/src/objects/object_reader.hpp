// Safe decoding of remote Python objects: what Python's own repr() prints, read from target
// memory without running code. One file per type family under objects/; this class is the
// only way in. Every walk is bounded (ReprLimits) and cycle-checked; nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"
#include "pyxray/repr.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

class ObjectReader {
public:
    ObjectReader(const Memory& memory, const Offsets& offsets, ReprLimits limits = {});

    // What repr() would print for the object at `address`; never fails: unreadable memory
    // gives "<unreadable at 0x...>", an object pyxray cannot decode "<TYPE object at 0x...>".
    std::string repr(uint64_t address) const;

    // tp_name of the object's type ("int", "Token").
    Result<std::string> type_name(uint64_t address) const;
    // An exact int that fits in 64 bits (a thread ident, a counter).
    Result<int64_t> int_value(uint64_t address) const;
    // A str's text as UTF-8, cut at `max_chars`.
    Result<std::string> str_value(uint64_t address, size_t max_chars = 4096) const;
    // A dict's (key, value) object addresses in iteration order; every layout 3.8-3.15,
    // split tables included. At most `max_items` pairs (error Truncated past it).
    Result<std::vector<std::pair<uint64_t, uint64_t>>> dict_items(uint64_t dict,
                                                                  size_t max_items = 1 << 16) const;
    // A set's or frozenset's keys in table order; at most `max_items` (error Truncated past it).
    // A list's or tuple's items; at most `max_items` (error Truncated past it).
    Result<std::vector<uint64_t>> sequence_items(uint64_t sequence, size_t max_items = 1 << 16) const;
    // The length of a list, a tuple or a collections.deque (a queue.Queue's items).
    Result<int64_t> sequence_length(uint64_t sequence) const;
    Result<std::vector<uint64_t>> set_items(uint64_t set, size_t max_items = 1 << 16) const;
    // The value of a dict's str key, or nothing when the key is absent.
    Result<std::optional<uint64_t>> dict_get(uint64_t dict, std::string_view key) const;
    // An attribute stored in the object's instance dictionary (tp_dictoffset, 3.11+ managed
    // dicts and inline values) or a __slots__ member, or nothing when absent.
    Result<std::optional<uint64_t>> attribute(uint64_t object, std::string_view name) const;
    // Whether `address` holds an object: its type is readable and is itself an instance of a
    // type (Py_TPFLAGS_TYPE_SUBCLASS on the type's type). The error says what failed.
    Result<void> check_object(uint64_t address) const;

private:
    const Memory& memory_;
    const Offsets& offsets_;
    ReprLimits limits_;
};

}  // namespace pyxray

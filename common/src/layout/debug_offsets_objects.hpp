// The object decoder's fields that a target's own _Py_DebugOffsets carries (3.13+: type
// tp_flags, tuple, list, dict, float, long; 3.14+ set; 3.15+ tp_basicsize, tp_dictoffset and
// the heap type's ht_cached_keys), merged over the compiled-in ObjectLayouts. A field that does
// not lie inside the struct size the same table states is left at the compiled-in value.
#pragma once

#include <cstdint>
#include <optional>

#include "layout/debug_offsets.hpp"
#include "layout/object_offsets.hpp"

namespace pyxray {

// What only 3.14+/3.15+ tables describe, taken by read_versioned_debug_table.
struct LaterObjectDebugFields {
    struct Set {
        uint64_t size, used, table, mask;
    };
    std::optional<Set> set_object;           // 3.14+
    std::optional<uint64_t> type_size;       // 3.15+: sizeof(PyTypeObject)
    std::optional<uint64_t> tp_basicsize;    // 3.15+
    std::optional<uint64_t> tp_dictoffset;   // 3.15+
    std::optional<uint64_t> heap_type_size;  // 3.15+: sizeof(PyHeapTypeObject)
    std::optional<uint64_t> ht_cached_keys;  // 3.15+
};

void merge_object_debug_offsets(const mirror::DebugOffsets313& table, ObjectLayouts& objects);
void merge_later_object_debug_offsets(const LaterObjectDebugFields& fields, ObjectLayouts& objects);

}  // namespace pyxray

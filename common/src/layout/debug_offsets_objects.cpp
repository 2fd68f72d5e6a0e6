#include "layout/debug_offsets_objects.hpp"

namespace pyxray {

namespace {

// `field` takes `offset` when an object of `size` bytes holds a word there, past the
// reference count (no field the decoder reads sits at 0: a 0 is a table that leaves it out).
void take(uint64_t& field, uint64_t offset, uint64_t size, uint64_t width = 8) {
    if (offset >= 8 && field_fits(offset, width, size)) field = offset;
}

}  // namespace

void merge_object_debug_offsets(const mirror::DebugOffsets313& t, ObjectLayouts& o) {
    take(o.type.tp_flags, t.type_object.tp_flags, t.type_object.size);
    take(o.tuple_object.ob_size, t.tuple_object.ob_size, t.tuple_object.size);
    // ob_item is a flexible array: sizeof(PyTupleObject) covers its first slot.
    take(o.tuple_object.ob_item, t.tuple_object.ob_item, t.tuple_object.size);
    take(o.list_object.ob_size, t.list_object.ob_size, t.list_object.size);
    take(o.list_object.ob_item, t.list_object.ob_item, t.list_object.size);
    take(o.dict_object.ma_keys, t.dict_object.ma_keys, t.dict_object.size);
    take(o.dict_object.ma_values, t.dict_object.ma_values, t.dict_object.size);
    take(o.float_object.ob_fval, t.float_object.ob_fval, t.float_object.size);
    take(o.long_object.size_or_tag, t.long_object.lv_tag, t.long_object.size);
    take(o.long_object.digits, t.long_object.ob_digit, t.long_object.size, 4);
}

void merge_later_object_debug_offsets(const LaterObjectDebugFields& f, ObjectLayouts& o) {
    if (f.set_object) {
        take(o.set_object.used, f.set_object->used, f.set_object->size);
        take(o.set_object.table, f.set_object->table, f.set_object->size);
        take(o.set_object.mask, f.set_object->mask, f.set_object->size);
    }
    if (f.type_size && f.tp_basicsize) take(o.type.tp_basicsize, *f.tp_basicsize, *f.type_size);
    if (f.type_size && f.tp_dictoffset) take(o.type.tp_dictoffset, *f.tp_dictoffset, *f.type_size);
    if (f.heap_type_size && f.ht_cached_keys) {
        uint64_t before = o.heap_type.ht_cached_keys;
        take(o.heap_type.ht_cached_keys, *f.ht_cached_keys, *f.heap_type_size);
        // `PyObject *ht_name, *ht_slots, *ht_qualname;` come right before ht_cached_keys in every
        // version, so the table's ht_cached_keys also says where the names are.
        if (o.heap_type.ht_cached_keys != before && o.heap_type.ht_cached_keys >= 24) {
            o.heap_type.ht_qualname = o.heap_type.ht_cached_keys - 8;
            o.heap_type.ht_name = o.heap_type.ht_cached_keys - 24;
        }
    }
}

}  // namespace pyxray

/* The object decoder's offsets (layout/object_offsets.hpp), as the real CPython headers lay
   them out; -1 where a version's installed headers do not describe the struct. */
#ifndef PYXRAY_REAL_OBJECT_OFFSETS_H
#define PYXRAY_REAL_OBJECT_OFFSETS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct RealObjectOffsets {
    uint32_t version_hex;
    int32_t free_threaded;
    int64_t tp_basicsize, tp_itemsize, tp_flags, tp_members, tp_base, tp_dict, tp_dictoffset;
    int64_t ht_name, ht_qualname, ht_cached_keys;
    int64_t member_size, member_name, member_type, member_offset;
    int64_t long_size_or_tag, long_digits;
    int64_t float_fval, tuple_size, tuple_item, list_size, list_item;
    int64_t dict_used, dict_keys, dict_values;
    /* 3.11+ (internal/pycore_dict.h) */
    int64_t dk_log2_size, dk_log2_index_bytes, dk_kind, dk_nentries, dk_indices;
    int64_t entry_size, entry_key, entry_value, unicode_entry_size, unicode_entry_key, unicode_entry_value;
    /* 3.13+ */
    int64_t values_values, values_capacity, values_size, values_valid, managed_dict_offset;
    int64_t set_used, set_mask, set_table, setentry_size, setentry_key, setentry_hash;
    int64_t list_allocated, set_smalltable, dk_refcnt, dk_usable;
    int64_t bytearray_size, bytearray_start, func_qualname, func_module, module_dict, exception_args,
        cell_ref;
    int64_t cfunction_ml, cfunction_self, descr_type, descr_name, method_func, method_self;
};
#ifdef __cplusplus
}
#endif
#endif

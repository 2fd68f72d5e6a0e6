// Where the object decoder (objects/, issue 4) finds the fields of CPython's object structs:
// types, ints, floats, tuples, lists, dicts and their keys, sets, bytearrays, functions,
// modules, exceptions, cells and __slots__ member definitions. One table per version and build,
// filled with offsetof over the mirrors of object_layout_mirrors.hpp; Offsets::objects holds it.
#pragma once

#include <cstdint>

namespace pyxray {

// How a dict's keys object records its table size and entry kind.
enum class DictKeysFormat : uint8_t {
    Size38,   // 3.8-3.10 Objects/dict-common.h: Py_ssize_t dk_size, 24-byte entries only
    Log2311,  // 3.11+ pycore_dict.h: dk_log2_size, dk_log2_index_bytes, dk_kind (unicode entries)
};

// Where a split dict (shared keys) keeps its values and their insertion order.
enum class DictValuesFormat : uint8_t {
    Array38,      // 3.8-3.10: ma_values is a plain PyObject* array in key order
    Prefix311,    // 3.11-3.12: PyDictValues, order bytes before it: [-2] count, [-3-i] index i
    Capacity313,  // 3.13+: capacity, size, embedded, valid bytes, values[capacity], then the order
};

// Where an instance's attributes live when its type sets Py_TPFLAGS_MANAGED_DICT.
enum class ManagedDictFormat : uint8_t {
    None,             // 3.8-3.10: only tp_dictoffset
    Pointers311,      // 3.11: values pointer at obj-4 words, dict pointer at obj-3 words
    DictOrValues312,  // 3.12: one tagged word at obj-3 words: dict, or values + 1 (bit 0 set)
    Inline313,        // 3.13+: dict pointer before the object, values inline at tp_basicsize
};

// Where an object's reference count lives: one Py_ssize_t ob_refcnt, or (free-threaded builds,
// PEP 703) a uint32_t ob_ref_local of the owning thread plus a Py_ssize_t ob_ref_shared whose
// low two bits are flags (_Py_REF_SHARED_SHIFT).
struct RefcountOffsets {
    bool split = false;
    uint64_t ob_refcnt = 0;      // !split
    uint64_t ob_ref_local = 0;   // split
    uint64_t ob_ref_shared = 0;  // split
};

struct ObjectLayouts {
    struct {
        uint64_t tp_basicsize;
        uint64_t tp_itemsize;
        uint64_t tp_flags;
        uint64_t tp_members;
        uint64_t tp_base;
        uint64_t tp_dict;
        uint64_t tp_dictoffset;
    } type;
    struct {  // PyHeapTypeObject, past the PyTypeObject and its method tables
        uint64_t ht_name;
        uint64_t ht_qualname;
        uint64_t ht_cached_keys;
    } heap_type;
    struct {  // PyMemberDef, the entries of tp_members (__slots__ are T_OBJECT_EX ones)
        uint64_t size;
        uint64_t name;
        uint64_t type;
        uint64_t offset;
    } member_def;
    struct {
        uint64_t size_or_tag;  // ob_size (3.8-3.11: sign and digit count) or 3.12+ lv_tag
        uint64_t digits;
        bool lv_tag;  // 3.12+ (gh-101291): lv_tag = digit count << 3 | sign (0 +, 1 zero, 2 -)
    } long_object;
    struct {
        uint64_t ob_fval;
    } float_object;
    struct {
        uint64_t ob_size;
        uint64_t ob_item;
    } tuple_object, list_object;
    struct {
        uint64_t ma_used;
        uint64_t ma_keys;
        uint64_t ma_values;
    } dict_object;
    struct {
        DictKeysFormat format;
        uint64_t dk_size;              // Size38
        uint64_t dk_log2_size;         // Log2311
        uint64_t dk_log2_index_bytes;  // Log2311
        uint64_t dk_kind;              // Log2311: 0 general, 1 unicode, 2 split (unicode entries)
        uint64_t dk_nentries;
        uint64_t dk_indices;
        uint64_t entry_size;  // PyDictKeyEntry: hash, key, value
        uint64_t entry_key;
        uint64_t entry_value;
        uint64_t unicode_entry_size;  // PyDictUnicodeEntry (3.11+): key, value
        uint64_t unicode_entry_key;
        uint64_t unicode_entry_value;
    } dict_keys;
    struct {
        DictValuesFormat format;
        uint64_t values;    // the PyObject* array inside PyDictValues
        uint64_t capacity;  // Capacity313
        uint64_t size;      // Capacity313
        uint64_t valid;     // Capacity313: 0 once the values moved to a materialised dict
    } dict_values;
    struct {
        ManagedDictFormat format;
        int64_t dict_offset;    // from the object's address (negative: the pre-header)
        int64_t values_offset;  // Pointers311 only
    } managed_dict;
    struct {
        uint64_t used;
        uint64_t mask;
        uint64_t table;
        uint64_t entry_size;  // setentry: key, hash
        uint64_t entry_key;
        uint64_t entry_hash;
    } set_object;
    struct {
        uint64_t ob_size;
        uint64_t ob_start;
    } bytearray_object;
    struct {
        uint64_t func_qualname;
        uint64_t func_module;
    } function_object;
    struct {
        uint64_t md_dict;
    } module_object;
    struct {
        uint64_t args;
    } exception_object;
    struct {
        uint64_t ob_ref;  // PyCellObject: the closure variable's current value (NULL: unbound)
    } cell_object;
    // What a value stack says of a blocked call or an open `with` (interp/thread_waits.cpp):
    // a C method bound to its object, a C method unbound (its type and name), a bound method.
    struct {
        uint64_t m_ml;  // PyMethodDef*, whose first field is the C string ml_name
        uint64_t m_self;
    } cfunction_object;
    struct {
        uint64_t d_type;
        uint64_t d_name;  // a str
    } method_descriptor;
    struct {
        uint64_t im_func;
        uint64_t im_self;
    } method_object;
    // What the types' __sizeof__ read besides the fields above (the heap census's bytes): a
    // list's allocated slots, a set's inline table, a dict keys object's sharing and capacity.
    struct {
        uint64_t list_allocated;
        uint64_t set_smalltable;
        uint64_t dict_keys_refcnt;
        uint64_t dict_keys_usable;
    } sizeof_fields;
};

// Type flags (Include/object.h) the decoder tests; stable across 3.8-3.15 unless noted.
namespace type_flags {
inline constexpr uint64_t kInlineValues = 1ul << 2;    // 3.13+ (gh-115776)
inline constexpr uint64_t kManagedWeakref = 1ul << 3;  // 3.12+ (gh-95245)
inline constexpr uint64_t kManagedDict = 1ul << 4;     // 3.11+ (gh-89700 / bpo-45947)
inline constexpr uint64_t kHeapType = 1ul << 9;
inline constexpr uint64_t kLongSubclass = 1ul << 24;
inline constexpr uint64_t kListSubclass = 1ul << 25;
inline constexpr uint64_t kTupleSubclass = 1ul << 26;
inline constexpr uint64_t kBytesSubclass = 1ul << 27;
inline constexpr uint64_t kUnicodeSubclass = 1ul << 28;
inline constexpr uint64_t kDictSubclass = 1ul << 29;
inline constexpr uint64_t kBaseExceptionSubclass = 1ul << 30;
inline constexpr uint64_t kTypeSubclass = 1ul << 31;
}  // namespace type_flags

}  // namespace pyxray

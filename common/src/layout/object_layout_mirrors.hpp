// Struct mirrors of the object structs the object decoder reads, for CPython 3.8 to 3.15, and
// object_layouts<Head, kMinor>() filling ObjectLayouts with offsetof over them. `Head` is the
// object header (mirror::ObjectHead, or FreeThreadedObjectHead for 3.13t+), `kMinor` the 3.x
// version. Sources, per struct (Include/ unless noted):
// - PyTypeObject, PyHeapTypeObject, PyAsyncMethods and the other method tables:
//   cpython/object.h of each version (3.8's tp_print tail, 3.12's tp_watched, 3.13's
//   tp_versions_used, 3.14 as 3.13); PyMemberDef: structmember.h / descrobject.h (3.12+).
// - PyLongObject: longintrepr.h (3.8-3.10), cpython/longintrepr.h (3.11+; 3.12 _PyLongValue).
// - PyFloatObject: floatobject.h / cpython/floatobject.h; PyTupleObject, PyListObject:
//   cpython/tupleobject.h, cpython/listobject.h (3.14 caches the tuple's hash: ob_hash).
// - PyDictObject: cpython/dictobject.h; keys and values: Objects/dict-common.h (3.8-3.10),
//   internal/pycore_dict.h (3.11+; the free-threaded dk_mutex of 3.13t changes no offset).
// - Managed dicts: internal/pycore_object.h (_PyObject_ValuesPointer of 3.11,
//   _PyObject_DictOrValuesPointer of 3.12, MANAGED_DICT_OFFSET of 3.13+: -3 words, -1 word in
//   free-threaded builds, which have no GC pre-header).
// - PySetObject: setobject.h; PyByteArrayObject: cpython/bytearrayobject.h; PyFunctionObject:
//   cpython/funcobject.h (3.10 moved the COMMON_FIELDS first); PyModuleObject:
//   internal/pycore_moduleobject.h (3.10+) / Objects/moduleobject.c; PyBaseExceptionObject:
//   cpython/pyerrors.h; PyCellObject: cpython/cellobject.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "layout/object_mirrors.hpp"
#include "layout/object_offsets.hpp"
#include "layout/offsets.hpp"

namespace pyxray::mirror {

using Fn = void*;  // any function pointer slot

// Version predicates, each named after the change that made it necessary.
constexpr bool has_tp_print_tail(int minor) { return minor == 8; }            // bpo-37250: 3.8 only
constexpr bool has_am_send(int minor) { return minor >= 10; }                 // bpo-41756: am_send
constexpr bool has_tp_watched(int minor) { return minor >= 12; }              // gh-91051: type watchers
constexpr bool has_tp_versions_used(int minor) { return minor >= 13; }        // gh-113743
constexpr bool has_tp_iteritem(int minor) { return minor >= 15; }             // 3.15 virtual iterators
constexpr bool has_long_lv_tag(int minor) { return minor >= 12; }             // gh-101291: lv_tag
constexpr bool has_tuple_hash_cache(int minor) { return minor >= 14; }        // gh-131525: ob_hash
constexpr bool has_function_common_fields(int minor) { return minor >= 10; }  // bpo-42990
constexpr bool has_log2_dict_keys(int minor) { return minor >= 11; }          // bpo-46845: dk_log2_size

// The fields after tp_del, which change from version to version (explicit shapes rather than
// several empty members, which could not all share one address).
struct TypeObjectTail39 {  // 3.9-3.11
    unsigned int tp_version_tag;
    Fn tp_finalize;
    Fn tp_vectorcall;
};
struct TypeObjectTail38 {
    unsigned int tp_version_tag;
    Fn tp_finalize;
    Fn tp_vectorcall;
    Fn tp_print;
};
struct TypeObjectTail312 {
    unsigned int tp_version_tag;
    Fn tp_finalize;
    Fn tp_vectorcall;
    unsigned char tp_watched;
};
struct TypeObjectTail313 {  // 3.13-3.14
    unsigned int tp_version_tag;
    Fn tp_finalize;
    Fn tp_vectorcall;
    unsigned char tp_watched;
    uint16_t tp_versions_used;
};
struct TypeObjectTail315 {  // the 3.15 pre-release: _tp_iteritem (as pyo3's 3.15 bindings have it)
    unsigned int tp_version_tag;
    Fn tp_finalize;
    Fn tp_vectorcall;
    unsigned char tp_watched;
    uint16_t tp_versions_used;
    Fn _tp_iteritem;
};
template <int kMinor>
using TypeObjectTail = std::conditional_t<
    has_tp_print_tail(kMinor), TypeObjectTail38,
    std::conditional_t<
        has_tp_iteritem(kMinor), TypeObjectTail315,
        std::conditional_t<has_tp_versions_used(kMinor), TypeObjectTail313,
                           std::conditional_t<has_tp_watched(kMinor), TypeObjectTail312, TypeObjectTail39>>>>;

template <class Head, int kMinor>
struct TypeObjectOf {
    VarObjectHeadOf<Head> ob_base;
    const char* tp_name;
    Py_ssize_t tp_basicsize, tp_itemsize;
    Fn tp_dealloc;
    Py_ssize_t tp_vectorcall_offset;
    Fn tp_getattr, tp_setattr;
    void* tp_as_async;
    Fn tp_repr;
    void *tp_as_number, *tp_as_sequence, *tp_as_mapping;
    Fn tp_hash, tp_call, tp_str, tp_getattro, tp_setattro;
    void* tp_as_buffer;
    unsigned long tp_flags;
    const char* tp_doc;
    Fn tp_traverse, tp_clear, tp_richcompare;
    Py_ssize_t tp_weaklistoffset;
    Fn tp_iter, tp_iternext;
    void *tp_methods, *tp_members, *tp_getset;
    PyTypeObject* tp_base;
    PyObject* tp_dict;
    Fn tp_descr_get, tp_descr_set;
    Py_ssize_t tp_dictoffset;
    Fn tp_init, tp_alloc, tp_new, tp_free, tp_is_gc;
    PyObject *tp_bases, *tp_mro, *tp_cache;
    void* tp_subclasses;
    PyObject* tp_weaklist;
    Fn tp_del;
    TypeObjectTail<kMinor> tail;
};

template <class Head, int kMinor>
struct HeapTypeObjectOf {
    TypeObjectOf<Head, kMinor> ht_type;
    Fn as_async[has_am_send(kMinor) ? 4 : 3];
    Fn as_number[36];
    Fn as_mapping[3];
    Fn as_sequence[10];
    Fn as_buffer[2];
    PyObject *ht_name, *ht_slots, *ht_qualname;
    void* ht_cached_keys;
};

struct MemberDef {
    const char* name;
    int type;
    Py_ssize_t offset;
    int flags;
    const char* doc;
};

template <class Head>
struct LongObject38Of {
    VarObjectHeadOf<Head> ob_base;
    uint32_t ob_digit[1];
};

template <class Head>
struct LongObject312Of {
    Head ob_base;
    struct {
        uintptr_t lv_tag;
        uint32_t ob_digit[1];
    } long_value;
};

template <class Head>
struct FloatObjectOf {
    Head ob_base;
    double ob_fval;
};

template <class Head, int kMinor>
struct TupleObjectOf {
    VarObjectHeadOf<Head> ob_base;
    std::conditional_t<has_tuple_hash_cache(kMinor), Py_hash_t, Absent> ob_hash [[no_unique_address]];
    PyObject* ob_item[1];
};

template <class Head>
struct ListObjectOf {
    VarObjectHeadOf<Head> ob_base;
    PyObject** ob_item;
    Py_ssize_t allocated;
};

template <class Head>
struct DictObjectOf {
    Head ob_base;
    Py_ssize_t ma_used;
    uint64_t ma_version_tag;  // 3.14: _ma_watcher_tag, same place
    void* ma_keys;
    void* ma_values;
};

struct DictKeys38 {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;
    Fn dk_lookup;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[8];
};

struct DictKeys311 {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind;
    uint32_t dk_version;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[8];
};

struct DictKeyEntry {
    Py_hash_t me_hash;
    PyObject* me_key;
    PyObject* me_value;
};

struct DictUnicodeEntry {
    PyObject* me_key;
    PyObject* me_value;
};

struct DictValues313 {
    uint8_t capacity;
    uint8_t size;
    uint8_t embedded;
    uint8_t valid;
    PyObject* values[1];
};

struct SetEntry {
    PyObject* key;
    Py_hash_t hash;
};

template <class Head>
struct SetObjectOf {
    Head ob_base;
    Py_ssize_t fill;
    Py_ssize_t used;
    Py_ssize_t mask;
    SetEntry* table;
    Py_hash_t hash;
    Py_ssize_t finger;
    SetEntry smalltable[8];  // PySet_MINSIZE
};

template <class Head>
struct ByteArrayObjectOf {
    VarObjectHeadOf<Head> ob_base;
    Py_ssize_t ob_alloc;
    char* ob_bytes;
    char* ob_start;
};

template <class Head>
struct FunctionObject38Of {
    Head ob_base;
    PyObject *func_code, *func_globals, *func_defaults, *func_kwdefaults, *func_closure, *func_doc,
        *func_name, *func_dict, *func_weakreflist, *func_module, *func_annotations, *func_qualname;
};

template <class Head>
struct FunctionObject310Of {
    Head ob_base;
    PyObject *func_globals, *func_builtins, *func_name, *func_qualname, *func_code, *func_defaults,
        *func_kwdefaults, *func_closure, *func_doc, *func_dict, *func_weakreflist, *func_module;
};

template <class Head>
struct ModuleObjectOf {
    Head ob_base;
    PyObject* md_dict;
};

template <class Head>
struct BaseExceptionObjectOf {
    Head ob_base;
    PyObject* dict;
    PyObject* args;
};

template <class Head>
struct CellObjectOf {
    Head ob_base;
    PyObject* ob_ref;
};

// PyCFunctionObject, PyMethodDescrObject (PyDescr_COMMON) and PyMethodObject: their leading
// fields are the same 3.8-3.15.
template <class Head>
struct CFunctionObjectOf {
    Head ob_base;
    void* m_ml;
    PyObject* m_self;
    PyObject* m_module;
};

template <class Head>
struct MethodDescriptorObjectOf {
    Head ob_base;
    void* d_type;
    PyObject* d_name;
    PyObject* d_qualname;
    void* d_method;
};

template <class Head>
struct MethodObjectOf {
    Head ob_base;
    PyObject* im_func;
    PyObject* im_self;
};

}  // namespace pyxray::mirror

namespace pyxray {

template <class Head, int kMinor>
constexpr ObjectLayouts object_layouts() {
    using namespace mirror;
    using Type = TypeObjectOf<Head, kMinor>;
    using HeapType = HeapTypeObjectOf<Head, kMinor>;
    using Tuple = TupleObjectOf<Head, kMinor>;
    using List = ListObjectOf<Head>;
    using Dict = DictObjectOf<Head>;
    using Set = SetObjectOf<Head>;
    using Function = std::conditional_t<has_function_common_fields(kMinor), FunctionObject310Of<Head>,
                                        FunctionObject38Of<Head>>;
    constexpr bool kFreeThreaded = std::is_same_v<Head, FreeThreadedObjectHead>;
    ObjectLayouts o{};
    o.type.tp_basicsize = offsetof(Type, tp_basicsize);
    o.type.tp_itemsize = offsetof(Type, tp_itemsize);
    o.type.tp_flags = offsetof(Type, tp_flags);
    o.type.tp_members = offsetof(Type, tp_members);
    o.type.tp_base = offsetof(Type, tp_base);
    o.type.tp_dict = offsetof(Type, tp_dict);
    o.type.tp_dictoffset = offsetof(Type, tp_dictoffset);
    o.heap_type.ht_name = offsetof(HeapType, ht_name);
    o.heap_type.ht_qualname = offsetof(HeapType, ht_qualname);
    o.heap_type.ht_cached_keys = offsetof(HeapType, ht_cached_keys);
    o.member_def = {sizeof(MemberDef), offsetof(MemberDef, name), offsetof(MemberDef, type),
                    offsetof(MemberDef, offset)};
    if constexpr (has_long_lv_tag(kMinor)) {
        o.long_object.size_or_tag = offsetof(LongObject312Of<Head>, long_value.lv_tag);
        o.long_object.digits = offsetof(LongObject312Of<Head>, long_value.ob_digit);
        o.long_object.lv_tag = true;
    } else {
        o.long_object.size_or_tag = offsetof(LongObject38Of<Head>, ob_base.ob_size);
        o.long_object.digits = offsetof(LongObject38Of<Head>, ob_digit);
    }
    o.float_object.ob_fval = offsetof(FloatObjectOf<Head>, ob_fval);
    o.tuple_object = {offsetof(Tuple, ob_base.ob_size), offsetof(Tuple, ob_item)};
    o.list_object = {offsetof(List, ob_base.ob_size), offsetof(List, ob_item)};
    o.dict_object = {offsetof(Dict, ma_used), offsetof(Dict, ma_keys), offsetof(Dict, ma_values)};
    auto& keys = o.dict_keys;
    if constexpr (has_log2_dict_keys(kMinor)) {
        keys.format = DictKeysFormat::Log2311;
        keys.dk_log2_size = offsetof(DictKeys311, dk_log2_size);
        keys.dk_log2_index_bytes = offsetof(DictKeys311, dk_log2_index_bytes);
        keys.dk_kind = offsetof(DictKeys311, dk_kind);
        keys.dk_nentries = offsetof(DictKeys311, dk_nentries);
        keys.dk_indices = offsetof(DictKeys311, dk_indices);
    } else {
        keys.format = DictKeysFormat::Size38;
        keys.dk_size = offsetof(DictKeys38, dk_size);
        keys.dk_nentries = offsetof(DictKeys38, dk_nentries);
        keys.dk_indices = offsetof(DictKeys38, dk_indices);
    }
    keys.entry_size = sizeof(DictKeyEntry);
    keys.entry_key = offsetof(DictKeyEntry, me_key);
    keys.entry_value = offsetof(DictKeyEntry, me_value);
    keys.unicode_entry_size = sizeof(DictUnicodeEntry);
    keys.unicode_entry_key = offsetof(DictUnicodeEntry, me_key);
    keys.unicode_entry_value = offsetof(DictUnicodeEntry, me_value);
    constexpr int64_t kWord = sizeof(void*);
    if constexpr (kMinor >= 13) {  // gh-115776: inline values, a capacity-prefixed PyDictValues
        o.dict_values = {DictValuesFormat::Capacity313, offsetof(DictValues313, values),
                         offsetof(DictValues313, capacity), offsetof(DictValues313, size),
                         offsetof(DictValues313, valid)};
        o.managed_dict = {ManagedDictFormat::Inline313, kFreeThreaded ? -1 * kWord : -3 * kWord, 0};
    } else if constexpr (kMinor >= 11) {  // bpo-45340: values with an insertion-order prefix
        o.dict_values = {DictValuesFormat::Prefix311, 0, 0, 0, 0};
        if constexpr (kMinor == 11)
            o.managed_dict = {ManagedDictFormat::Pointers311, -3 * kWord, -4 * kWord};
        else  // gh-95245 (3.12): one tagged dict-or-values word
            o.managed_dict = {ManagedDictFormat::DictOrValues312, -3 * kWord, 0};
    } else {
        o.dict_values = {DictValuesFormat::Array38, 0, 0, 0, 0};
        o.managed_dict = {ManagedDictFormat::None, 0, 0};
    }
    o.set_object = {offsetof(Set, used), offsetof(Set, mask),     offsetof(Set, table),
                    sizeof(SetEntry),    offsetof(SetEntry, key), offsetof(SetEntry, hash)};
    o.bytearray_object = {offsetof(ByteArrayObjectOf<Head>, ob_base.ob_size),
                          offsetof(ByteArrayObjectOf<Head>, ob_start)};
    o.function_object = {offsetof(Function, func_qualname), offsetof(Function, func_module)};
    o.module_object.md_dict = offsetof(ModuleObjectOf<Head>, md_dict);
    o.exception_object.args = offsetof(BaseExceptionObjectOf<Head>, args);
    o.cell_object.ob_ref = offsetof(CellObjectOf<Head>, ob_ref);
    o.cfunction_object = {offsetof(CFunctionObjectOf<Head>, m_ml), offsetof(CFunctionObjectOf<Head>, m_self)};
    o.method_descriptor = {offsetof(MethodDescriptorObjectOf<Head>, d_type),
                           offsetof(MethodDescriptorObjectOf<Head>, d_name)};
    o.method_object = {offsetof(MethodObjectOf<Head>, im_func), offsetof(MethodObjectOf<Head>, im_self)};
    using Keys = std::conditional_t<has_log2_dict_keys(kMinor), DictKeys311, DictKeys38>;
    o.sizeof_fields = {offsetof(List, allocated), offsetof(Set, smalltable), offsetof(Keys, dk_refcnt),
                       offsetof(Keys, dk_usable)};
    return o;
}

// `table` with the object layouts of version 3.`kMinor` over `Head` added.
template <class Head, int kMinor>
constexpr Offsets with_object_layouts(Offsets table) {
    table.objects = object_layouts<Head, kMinor>();
    return table;
}

}  // namespace pyxray

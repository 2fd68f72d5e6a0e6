/* Compiled once per installed CPython (3.8 to 3.13, the free-threaded 3.13t too) against its own
   headers, so the unit tests can check the object decoder's mirrors against the real structs. */
#define Py_BUILD_CORE 1
#include <stddef.h>

#include "Python.h"
#include "structmember.h"
#if PY_VERSION_HEX < 0x030B0000
#include "longintrepr.h"
#endif
#if PY_VERSION_HEX >= 0x030A0000
#include "internal/pycore_moduleobject.h"
#endif
#if PY_VERSION_HEX >= 0x030B0000
#include "internal/pycore_dict.h"
#include "internal/pycore_object.h"
#endif

#include "real_object_offsets.h"

#define FUNC_NAME2(tag) pyxray_real_object_offsets_##tag
#define FUNC_NAME(tag) FUNC_NAME2(tag)

struct RealObjectOffsets FUNC_NAME(PYXRAY_TAG)(void) {
    struct RealObjectOffsets o;
    int64_t* fields = &o.tp_basicsize;
    for (size_t i = 0; i < (sizeof(o) - offsetof(struct RealObjectOffsets, tp_basicsize)) / sizeof(int64_t);
         ++i)
        fields[i] = -1;
    o.version_hex = PY_VERSION_HEX;
    o.free_threaded = 0;
#ifdef Py_GIL_DISABLED
    o.free_threaded = 1;
#endif
    o.tp_basicsize = offsetof(PyTypeObject, tp_basicsize);
    o.tp_itemsize = offsetof(PyTypeObject, tp_itemsize);
    o.tp_flags = offsetof(PyTypeObject, tp_flags);
    o.tp_members = offsetof(PyTypeObject, tp_members);
    o.tp_base = offsetof(PyTypeObject, tp_base);
    o.tp_dict = offsetof(PyTypeObject, tp_dict);
    o.tp_dictoffset = offsetof(PyTypeObject, tp_dictoffset);
    o.ht_name = offsetof(PyHeapTypeObject, ht_name);
    o.ht_qualname = offsetof(PyHeapTypeObject, ht_qualname);
    o.ht_cached_keys = offsetof(PyHeapTypeObject, ht_cached_keys);
    o.member_size = sizeof(PyMemberDef);
    o.member_name = offsetof(PyMemberDef, name);
    o.member_type = offsetof(PyMemberDef, type);
    o.member_offset = offsetof(PyMemberDef, offset);
#if PY_VERSION_HEX >= 0x030C0000
    o.long_size_or_tag = offsetof(PyLongObject, long_value.lv_tag);
    o.long_digits = offsetof(PyLongObject, long_value.ob_digit);
#else
    o.long_size_or_tag = offsetof(PyLongObject, ob_base.ob_size);
    o.long_digits = offsetof(PyLongObject, ob_digit);
#endif
    o.float_fval = offsetof(PyFloatObject, ob_fval);
    o.tuple_size = offsetof(PyTupleObject, ob_base.ob_size);
    o.tuple_item = offsetof(PyTupleObject, ob_item);
    o.list_size = offsetof(PyListObject, ob_base.ob_size);
    o.list_item = offsetof(PyListObject, ob_item);
    o.list_allocated = offsetof(PyListObject, allocated);
    o.dict_used = offsetof(PyDictObject, ma_used);
    o.dict_keys = offsetof(PyDictObject, ma_keys);
    o.dict_values = offsetof(PyDictObject, ma_values);
#if PY_VERSION_HEX >= 0x030B0000
    o.dk_log2_size = offsetof(PyDictKeysObject, dk_log2_size);
    o.dk_log2_index_bytes = offsetof(PyDictKeysObject, dk_log2_index_bytes);
    o.dk_kind = offsetof(PyDictKeysObject, dk_kind);
    o.dk_nentries = offsetof(PyDictKeysObject, dk_nentries);
    o.dk_indices = offsetof(PyDictKeysObject, dk_indices);
    o.dk_refcnt = offsetof(PyDictKeysObject, dk_refcnt);
    o.dk_usable = offsetof(PyDictKeysObject, dk_usable);
    o.entry_size = sizeof(PyDictKeyEntry);
    o.entry_key = offsetof(PyDictKeyEntry, me_key);
    o.entry_value = offsetof(PyDictKeyEntry, me_value);
    o.unicode_entry_size = sizeof(PyDictUnicodeEntry);
    o.unicode_entry_key = offsetof(PyDictUnicodeEntry, me_key);
    o.unicode_entry_value = offsetof(PyDictUnicodeEntry, me_value);
#endif
#if PY_VERSION_HEX >= 0x030D0000
    o.values_values = offsetof(PyDictValues, values);
    o.values_capacity = offsetof(PyDictValues, capacity);
    o.values_size = offsetof(PyDictValues, size);
    o.values_valid = offsetof(PyDictValues, valid);
    o.managed_dict_offset = MANAGED_DICT_OFFSET;
#endif
    o.set_used = offsetof(PySetObject, used);
    o.set_mask = offsetof(PySetObject, mask);
    o.set_table = offsetof(PySetObject, table);
    o.set_smalltable = offsetof(PySetObject, smalltable);
    o.setentry_size = sizeof(setentry);
    o.setentry_key = offsetof(setentry, key);
    o.setentry_hash = offsetof(setentry, hash);
    o.bytearray_size = offsetof(PyByteArrayObject, ob_base.ob_size);
    o.bytearray_start = offsetof(PyByteArrayObject, ob_start);
    o.func_qualname = offsetof(PyFunctionObject, func_qualname);
    o.func_module = offsetof(PyFunctionObject, func_module);
#if PY_VERSION_HEX >= 0x030A0000
    o.module_dict = offsetof(PyModuleObject, md_dict);
#endif
    o.exception_args = offsetof(PyBaseExceptionObject, args);
    o.cell_ref = offsetof(PyCellObject, ob_ref);
    o.cfunction_ml = offsetof(PyCFunctionObject, m_ml);
    o.cfunction_self = offsetof(PyCFunctionObject, m_self);
    o.descr_type = offsetof(PyMethodDescrObject, d_common.d_type);
    o.descr_name = offsetof(PyMethodDescrObject, d_common.d_name);
    o.method_func = offsetof(PyMethodObject, im_func);
    o.method_self = offsetof(PyMethodObject, im_self);
    return o;
}

// The object decoder's mirrors (layout/object_layout_mirrors.hpp) must agree with every
// installed CPython's own headers (pyenv 3.8-3.13, Debian's 3.11 and 3.11d, the 3.9, 3.13 and
// free-threaded 3.13t built from Debian's sources), field by field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "real_headers/real_object_offsets.h"

#define PYXRAY_REAL_OBJECT_HEADERS(tag, dir) \
    extern "C" RealObjectOffsets pyxray_real_object_offsets_##tag(void);
#include "real_object_header_sets.h"
#undef PYXRAY_REAL_OBJECT_HEADERS

namespace {

struct HeaderSet {
    const char* dir;
    RealObjectOffsets offsets;
};

std::vector<HeaderSet> header_sets() {
    return {
#define PYXRAY_REAL_OBJECT_HEADERS(tag, dir) {dir, pyxray_real_object_offsets_##tag()},
#include "real_object_header_sets.h"
#undef PYXRAY_REAL_OBJECT_HEADERS
    };
}

// A field the headers describe (>= 0) must match; -1: not in this version's installed headers.
#define EXPECT_FIELD(ours, real)                                    \
    do {                                                            \
        if ((real) >= 0) {                                          \
            EXPECT_EQ(static_cast<int64_t>(ours), (real)) << #ours; \
        }                                                           \
    } while (0)

void expect_matches(const HeaderSet& set) {
    const RealObjectOffsets& r = set.offsets;
    auto version = pyxray::PythonVersion::from_hex(r.version_hex);
    auto kind = r.free_threaded ? pyxray::BuildKind::FreeThreaded : pyxray::BuildKind::Default;
    auto table = pyxray::offsets_for(version, kind);
    ASSERT_TRUE(table.has_value()) << set.dir << ": " << table.error().message;
    const pyxray::ObjectLayouts& o = (*table)->objects;
    SCOPED_TRACE(std::string(set.dir) + " (" + version.str() + (r.free_threaded ? ", free-threaded)" : ")"));
    ASSERT_GT(r.tp_flags, 0) << "the header set's fields were not filled in";
    EXPECT_FIELD(o.type.tp_basicsize, r.tp_basicsize);
    EXPECT_FIELD(o.type.tp_itemsize, r.tp_itemsize);
    EXPECT_FIELD(o.type.tp_flags, r.tp_flags);
    EXPECT_FIELD(o.type.tp_members, r.tp_members);
    EXPECT_FIELD(o.type.tp_base, r.tp_base);
    EXPECT_FIELD(o.type.tp_dict, r.tp_dict);
    EXPECT_FIELD(o.type.tp_dictoffset, r.tp_dictoffset);
    EXPECT_FIELD(o.heap_type.ht_name, r.ht_name);
    EXPECT_FIELD(o.heap_type.ht_qualname, r.ht_qualname);
    EXPECT_FIELD(o.heap_type.ht_cached_keys, r.ht_cached_keys);
    EXPECT_FIELD(o.member_def.size, r.member_size);
    EXPECT_FIELD(o.member_def.name, r.member_name);
    EXPECT_FIELD(o.member_def.type, r.member_type);
    EXPECT_FIELD(o.member_def.offset, r.member_offset);
    EXPECT_FIELD(o.long_object.size_or_tag, r.long_size_or_tag);
    EXPECT_FIELD(o.long_object.digits, r.long_digits);
    EXPECT_EQ(o.long_object.lv_tag, r.version_hex >= 0x030C0000);
    EXPECT_FIELD(o.float_object.ob_fval, r.float_fval);
    EXPECT_FIELD(o.tuple_object.ob_size, r.tuple_size);
    EXPECT_FIELD(o.tuple_object.ob_item, r.tuple_item);
    EXPECT_FIELD(o.list_object.ob_size, r.list_size);
    EXPECT_FIELD(o.list_object.ob_item, r.list_item);
    EXPECT_FIELD(o.dict_object.ma_used, r.dict_used);
    EXPECT_FIELD(o.dict_object.ma_keys, r.dict_keys);
    EXPECT_FIELD(o.dict_object.ma_values, r.dict_values);
    if (r.dk_log2_size >= 0) {
        EXPECT_EQ(o.dict_keys.format, pyxray::DictKeysFormat::Log2311);
        EXPECT_FIELD(o.dict_keys.dk_log2_size, r.dk_log2_size);
        EXPECT_FIELD(o.dict_keys.dk_log2_index_bytes, r.dk_log2_index_bytes);
        EXPECT_FIELD(o.dict_keys.dk_kind, r.dk_kind);
        EXPECT_FIELD(o.dict_keys.dk_nentries, r.dk_nentries);
        EXPECT_FIELD(o.dict_keys.dk_indices, r.dk_indices);
        EXPECT_FIELD(o.dict_keys.entry_size, r.entry_size);
        EXPECT_FIELD(o.dict_keys.entry_key, r.entry_key);
        EXPECT_FIELD(o.dict_keys.entry_value, r.entry_value);
        EXPECT_FIELD(o.dict_keys.unicode_entry_size, r.unicode_entry_size);
        EXPECT_FIELD(o.dict_keys.unicode_entry_key, r.unicode_entry_key);
        EXPECT_FIELD(o.dict_keys.unicode_entry_value, r.unicode_entry_value);
    }
    if (r.values_values >= 0) {
        EXPECT_EQ(o.dict_values.format, pyxray::DictValuesFormat::Capacity313);
        EXPECT_FIELD(o.dict_values.values, r.values_values);
        EXPECT_FIELD(o.dict_values.capacity, r.values_capacity);
        EXPECT_FIELD(o.dict_values.size, r.values_size);
        EXPECT_FIELD(o.dict_values.valid, r.values_valid);
        EXPECT_EQ(o.managed_dict.dict_offset, r.managed_dict_offset);
    }
    EXPECT_FIELD(o.set_object.used, r.set_used);
    EXPECT_FIELD(o.set_object.mask, r.set_mask);
    EXPECT_FIELD(o.set_object.table, r.set_table);
    EXPECT_FIELD(o.set_object.entry_size, r.setentry_size);
    EXPECT_FIELD(o.set_object.entry_key, r.setentry_key);
    EXPECT_FIELD(o.set_object.entry_hash, r.setentry_hash);
    EXPECT_FIELD(o.bytearray_object.ob_size, r.bytearray_size);
    EXPECT_FIELD(o.bytearray_object.ob_start, r.bytearray_start);
    EXPECT_FIELD(o.function_object.func_qualname, r.func_qualname);
    EXPECT_FIELD(o.function_object.func_module, r.func_module);
    EXPECT_FIELD(o.module_object.md_dict, r.module_dict);
    EXPECT_FIELD(o.exception_object.args, r.exception_args);
    EXPECT_FIELD(o.cell_object.ob_ref, r.cell_ref);
    EXPECT_FIELD(o.cfunction_object.m_ml, r.cfunction_ml);
    EXPECT_FIELD(o.cfunction_object.m_self, r.cfunction_self);
    EXPECT_FIELD(o.method_descriptor.d_type, r.descr_type);
    EXPECT_FIELD(o.method_descriptor.d_name, r.descr_name);
    EXPECT_FIELD(o.method_object.im_func, r.method_func);
    EXPECT_FIELD(o.method_object.im_self, r.method_self);
    EXPECT_FIELD(o.sizeof_fields.list_allocated, r.list_allocated);
    EXPECT_FIELD(o.sizeof_fields.set_smalltable, r.set_smalltable);
    EXPECT_FIELD(o.sizeof_fields.dict_keys_refcnt, r.dk_refcnt);
    EXPECT_FIELD(o.sizeof_fields.dict_keys_usable, r.dk_usable);
}

TEST(ObjectLayoutHeaders, MirrorsMatchEveryInstalledCPython) {
    auto sets = header_sets();
    if (sets.empty()) GTEST_SKIP() << "no CPython headers installed";
    for (const auto& set : sets) expect_matches(set);
    RecordProperty("header_sets", static_cast<int>(sets.size()));
}

}  // namespace

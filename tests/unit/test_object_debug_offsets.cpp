// The object decoder's fields taken from a target's _Py_DebugOffsets (3.13+ common part,
// 3.14+ set, 3.15+ type sizes and ht_cached_keys): taken when inside their struct, else the
// compiled-in value stays.
#include <gtest/gtest.h>

#include "layout/debug_offsets_objects.hpp"
#include "layout/offsets.hpp"
#include "synthetic_debug_offsets.hpp"

namespace {

using pyxray::ObjectLayouts;

TEST(ObjectDebugOffsets, FieldsInsideTheirStructAreTakenOthersKept) {
    ObjectLayouts objects = pyxray::offsets_3_13().objects;
    auto table = synthetic::table_313();
    table.tuple_object = {64, 32, 16};  // a hypothetical patched build moving ob_item
    table.float_object = {24, 40};      // 40 + 8 is beyond the stated 24 bytes: ignored
    table.list_object = {40, 0, 16};    // 0 is "not described": ignored
    uint64_t fval = objects.float_object.ob_fval;
    uint64_t list_item = objects.list_object.ob_item;
    pyxray::merge_object_debug_offsets(table, objects);
    EXPECT_EQ(objects.tuple_object.ob_item, 32u);
    EXPECT_EQ(objects.float_object.ob_fval, fval);
    EXPECT_EQ(objects.list_object.ob_item, list_item);
}

TEST(ObjectDebugOffsets, HeapTypeNamesFollowTheTablesCachedKeys) {
    ObjectLayouts objects = pyxray::offsets_3_15().objects;
    pyxray::LaterObjectDebugFields fields;
    fields.heap_type_size = 1000;
    fields.ht_cached_keys = objects.heap_type.ht_cached_keys + 16;  // two more type slots
    fields.set_object = pyxray::LaterObjectDebugFields::Set{200, 24, 40, 32};
    uint64_t qualname = objects.heap_type.ht_qualname;
    pyxray::merge_later_object_debug_offsets(fields, objects);
    EXPECT_EQ(objects.heap_type.ht_qualname, qualname + 16);
    EXPECT_EQ(objects.heap_type.ht_name, qualname + 16 - 16);
    EXPECT_EQ(objects.set_object.table, 40u);
    EXPECT_EQ(objects.set_object.mask, 32u);
}

}  // namespace

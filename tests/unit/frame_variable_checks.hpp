// The frame-variable fields (py-xbt --locals) checked against a real header set: the same
// fields in RealOffsets (3.11+) and RealLegacyOffsets (3.8-3.10).
#pragma once

#include <gtest/gtest.h>

#include "layout/offsets.hpp"

template <class Real>
void expect_frame_variables_match(const pyxray::Offsets& o, const Real& r) {
    EXPECT_EQ(o.frame_variables.localsplus, r.var_localsplus);
    EXPECT_EQ(o.frame_variables.locals, r.var_locals);
    EXPECT_EQ(o.frame_variables.globals, r.var_globals);
    EXPECT_EQ(o.frame_variables.builtins, r.var_builtins);
    EXPECT_EQ(o.frame_variables.code_flags, r.var_code_flags);
    EXPECT_EQ(o.frame_variables.code_local_names, r.var_local_names);
    EXPECT_EQ(o.frame_variables.code_stacksize, r.var_code_stacksize);
    EXPECT_EQ(o.objects.tuple_object.ob_size, r.var_tuple_size);
    EXPECT_EQ(o.objects.tuple_object.ob_item, r.var_tuple_items);
    EXPECT_EQ(o.objects.cell_object.ob_ref, r.var_cell_ref);
}

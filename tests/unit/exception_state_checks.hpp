// The thread-state exception fields (crash triage) checked against a real header set: the
// same RealExceptionState in RealOffsets (3.11+) and RealLegacyOffsets (3.8-3.10).
#pragma once

#include <gtest/gtest.h>

#include "layout/offsets.hpp"
#include "real_headers/real_exception_state.h"

inline void expect_exception_state_matches(const pyxray::Offsets& o, const RealExceptionState& r) {
    ASSERT_TRUE(o.exception_state.has_value());
    const pyxray::ExceptionStateOffsets& e = *o.exception_state;
    EXPECT_EQ(e.raised_value, r.raised_value);
    EXPECT_EQ(e.raised_type.value_or(-1), static_cast<uint64_t>(r.raised_type));
    EXPECT_EQ(e.exc_info, r.exc_info);
    EXPECT_EQ(e.item_value, r.item_value);
    EXPECT_EQ(e.item_previous, r.item_previous);
}

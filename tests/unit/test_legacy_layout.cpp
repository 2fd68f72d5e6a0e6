// pyxray's 3.8-3.10 mirrors must agree with every installed CPython 3.8-3.10's own headers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exception_state_checks.hpp"
#include "frame_variable_checks.hpp"
#include "layout/offsets.hpp"
#include "real_headers/real_legacy_offsets.h"

#define PYXRAY_REAL_LEGACY_HEADERS(tag, dir) \
    extern "C" RealLegacyOffsets pyxray_real_legacy_offsets_##tag(void);
#include "real_legacy_header_sets.h"
#undef PYXRAY_REAL_LEGACY_HEADERS

namespace {

struct HeaderSet {
    const char* dir;
    RealLegacyOffsets offsets;
};

std::vector<HeaderSet> header_sets() {
    return {
#define PYXRAY_REAL_LEGACY_HEADERS(tag, dir) {dir, pyxray_real_legacy_offsets_##tag()},
#include "real_legacy_header_sets.h"
#undef PYXRAY_REAL_LEGACY_HEADERS
    };
}

void expect_matches(const HeaderSet& set) {
    const RealLegacyOffsets& r = set.offsets;
    auto version = pyxray::PythonVersion::from_hex(r.version_hex);
    auto table = pyxray::offsets_for(version);
    ASSERT_TRUE(table.has_value()) << set.dir << ": " << table.error().message;
    const pyxray::Offsets& o = **table;
    SCOPED_TRACE(std::string(set.dir) + " (" + version.str() + ")");
    ASSERT_TRUE(o.frame_object.has_value());
    ASSERT_TRUE(o.thread_state.frame.has_value());
    const pyxray::FrameObjectOffsets& f = *o.frame_object;
    EXPECT_EQ(o.runtime_state.interpreters_head, r.runtime_interpreters_head);
    EXPECT_EQ(o.interpreter_state.next, r.interp_next);
    EXPECT_EQ(o.interpreter_state.threads_head, r.interp_tstate_head);
    EXPECT_EQ(o.interpreter_state.id, r.interp_id);
    EXPECT_EQ(o.thread_state.next, r.tstate_next);
    EXPECT_EQ(o.thread_state.interp, r.tstate_interp);
    EXPECT_EQ(*o.thread_state.frame, r.tstate_frame);
    EXPECT_EQ(o.thread_state.thread_id, r.tstate_thread_id);
    EXPECT_EQ(o.thread_state.cframe.value_or(-1), static_cast<uint64_t>(r.tstate_cframe));
    EXPECT_FALSE(o.thread_state.current_frame.has_value());
    EXPECT_EQ(f.back, r.frame_back);
    EXPECT_EQ(f.code, r.frame_code);
    EXPECT_EQ(f.trace, r.frame_trace);
    EXPECT_EQ(f.lasti, r.frame_lasti);
    EXPECT_EQ(f.lineno, r.frame_lineno);
    EXPECT_EQ(f.lasti_counts_code_units, version.minor >= 10);
    EXPECT_EQ(f.line_table,
              version.minor >= 10 ? pyxray::LineTableFormat::Linetable310 : pyxray::LineTableFormat::Lnotab);
    EXPECT_EQ(o.code_object.filename, r.code_filename);
    EXPECT_EQ(o.code_object.name, r.code_name);
    EXPECT_EQ(o.code_object.qualname, r.code_name);  // no co_qualname before 3.11
    EXPECT_EQ(o.code_object.linetable, r.code_linetable);
    EXPECT_EQ(o.code_object.firstlineno, r.code_firstlineno);
    EXPECT_EQ(o.pyobject.ob_type, r.object_type);
    EXPECT_EQ(o.type_object.tp_name, r.type_name);
    EXPECT_EQ(o.unicode_object.length, r.unicode_length);
    EXPECT_EQ(o.unicode_object.state, r.unicode_state);
    EXPECT_EQ(o.unicode_object.ascii_size, r.ascii_size);
    EXPECT_EQ(o.unicode_object.compact_size, r.compact_size);
    EXPECT_EQ(o.unicode_object.data_any, r.unicode_data_any);
    EXPECT_EQ(o.bytes_object.ob_size, r.bytes_size);
    EXPECT_EQ(o.bytes_object.ob_sval, r.bytes_sval);
    expect_frame_variables_match(o, r);
    expect_exception_state_matches(o, r.exceptions);
    EXPECT_EQ(o.frame_variables.code_cell_names.value_or(-1), static_cast<uint64_t>(r.var_cell_names));
    EXPECT_EQ(o.frame_variables.code_free_names.value_or(-1), static_cast<uint64_t>(r.var_free_names));
    EXPECT_FALSE(o.frame_variables.code_local_kinds.has_value());
    EXPECT_EQ(o.frame_variables.valuestack.value_or(-1), static_cast<uint64_t>(r.var_valuestack));
}

TEST(LegacyLayoutMirrors, AgreeWithEveryInstalledHeaderSet) {
    auto sets = header_sets();
    if (sets.empty())
        GTEST_SKIP() << "no pyenv CPython 3.8-3.10 headers (~/.pyenv/versions/3.{8,9,10}.*) to compare with";
    std::string checked;
    for (const auto& set : sets) {
        expect_matches(set);
        checked += std::string(" ") + set.dir;
    }
    RecordProperty("header_sets", checked);
    std::printf("checked legacy mirrors against:%s\n", checked.c_str());
}

TEST(LegacyLayoutMirrors, VersionsWithoutMicroPrintMajorMinorOnly) {
    pyxray::PythonVersion version = pyxray::PythonVersion::from_hex(0x03090000);
    EXPECT_EQ(version.str(), "3.9.0");
    version.micro = -1;
    EXPECT_EQ(version.str(), "3.9");
}

}  // namespace

// pyxray's mirrors must agree with every installed CPython's own headers, field by field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exception_state_checks.hpp"
#include "frame_variable_checks.hpp"
#include "layout/debug_offsets.hpp"
#include "layout/offsets.hpp"
#include "real_headers/real_offsets.h"

#define PYXRAY_REAL_HEADERS(tag, dir) extern "C" RealOffsets pyxray_real_offsets_##tag(void);
#include "real_header_sets.h"
#undef PYXRAY_REAL_HEADERS

namespace {

struct HeaderSet {
    const char* dir;
    RealOffsets offsets;
};

std::vector<HeaderSet> header_sets() {
    return {
#define PYXRAY_REAL_HEADERS(tag, dir) {dir, pyxray_real_offsets_##tag()},
#include "real_header_sets.h"
#undef PYXRAY_REAL_HEADERS
    };
}

void expect_matches(const HeaderSet& set) {
    const RealOffsets& r = set.offsets;
    auto version = pyxray::PythonVersion::from_hex(r.version_hex);
    auto kind = r.free_threaded ? pyxray::BuildKind::FreeThreaded : pyxray::BuildKind::Default;
    auto table = pyxray::offsets_for(version, kind);
    ASSERT_TRUE(table.has_value()) << set.dir << ": " << table.error().message;
    const pyxray::Offsets& o = **table;
    SCOPED_TRACE(std::string(set.dir) + " (" + version.str() + (r.free_threaded ? ", free-threaded)" : ")"));
    EXPECT_EQ(o.runtime_state.interpreters_head, r.runtime_interpreters_head);
    EXPECT_EQ(o.interpreter_state.next, r.interp_next);
    EXPECT_EQ(o.interpreter_state.threads_head, r.interp_threads_head);
    EXPECT_EQ(o.interpreter_state.id, r.interp_id);
    EXPECT_EQ(o.thread_state.next, r.tstate_next);
    EXPECT_EQ(o.thread_state.interp, r.tstate_interp);
    EXPECT_EQ(o.thread_state.thread_id, r.tstate_thread_id);
    EXPECT_EQ(o.thread_state.native_thread_id, r.tstate_native_thread_id);
    EXPECT_EQ(o.thread_state.cframe.value_or(-1), static_cast<uint64_t>(r.tstate_cframe));
    EXPECT_EQ(o.cframe.current_frame, r.cframe_current_frame);
    EXPECT_EQ(o.thread_state.current_frame.value_or(-1), static_cast<uint64_t>(r.tstate_current_frame));
    if (r.debug_offsets_size > 0) {
        EXPECT_EQ(sizeof(pyxray::mirror::DebugOffsets313), static_cast<uint64_t>(r.debug_offsets_size));
        EXPECT_EQ(offsetof(pyxray::mirror::DebugOffsets313, code_object), r.debug_code_object);
        EXPECT_EQ(offsetof(pyxray::mirror::DebugOffsets313, unicode_object.asciiobject_size),
                  r.debug_unicode_asciiobject_size);
        EXPECT_EQ(offsetof(pyxray::mirror::DebugOffsets313, gc.collecting), r.debug_gc_collecting);
    }
    EXPECT_EQ(o.interpreter_frame.size, r.frame_size);
    EXPECT_EQ(o.interpreter_frame.executable, r.frame_code);
    EXPECT_EQ(o.interpreter_frame.previous, r.frame_previous);
    EXPECT_EQ(o.interpreter_frame.instr_ptr, r.frame_prev_instr);
    EXPECT_EQ(o.interpreter_frame.owner, r.frame_owner);
    EXPECT_EQ(o.interpreter_frame.is_entry.has_value(), r.frame_is_entry >= 0);
    if (o.interpreter_frame.is_entry) {
        EXPECT_EQ(*o.interpreter_frame.is_entry, r.frame_is_entry);
    }
    EXPECT_EQ(o.code_object.filename, r.code_filename);
    EXPECT_EQ(o.code_object.name, r.code_name);
    EXPECT_EQ(o.code_object.qualname, r.code_qualname);
    EXPECT_EQ(o.code_object.linetable, r.code_linetable);
    EXPECT_EQ(o.code_object.firstlineno, r.code_firstlineno);
    EXPECT_EQ(o.code_object.firsttraceable, r.code_firsttraceable);
    EXPECT_EQ(o.code_object.co_code_adaptive, r.code_adaptive);
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
    EXPECT_EQ(o.frame_variables.code_local_kinds.value_or(-1), static_cast<uint64_t>(r.var_local_kinds));
    EXPECT_EQ(o.frame_variables.stacktop_index.value_or(-1), static_cast<uint64_t>(r.var_stacktop));
}

TEST(LayoutMirrors, AgreeWithEveryInstalledHeaderSet) {
    auto sets = header_sets();
    if (sets.empty()) GTEST_SKIP() << "no CPython 3.11/3.12 internal headers installed to compare with";
    for (const auto& set : sets) expect_matches(set);
    std::string checked;
    for (const auto& set : sets) checked += std::string(" ") + set.dir;
    RecordProperty("header_sets", checked);
    std::printf("checked mirrors against:%s\n", checked.c_str());
}

}  // namespace

// The thread-status mirrors (GIL, GC, sys.modules) must agree with every installed CPython's
// own headers, 3.8 to 3.13t; 3.14 and 3.15 have no headers here (see test_thread_status.cpp).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "layout/offsets.hpp"
#include "real_headers/real_thread_status.h"

#define PYXRAY_REAL_THREAD_STATUS(tag, dir) extern "C" RealThreadStatus pyxray_real_thread_status_##tag(void);
#include "real_thread_status_sets.h"
#undef PYXRAY_REAL_THREAD_STATUS

namespace {

struct HeaderSet {
    const char* dir;
    RealThreadStatus status;
};

std::vector<HeaderSet> header_sets() {
    return {
#define PYXRAY_REAL_THREAD_STATUS(tag, dir) {dir, pyxray_real_thread_status_##tag()},
#include "real_thread_status_sets.h"
#undef PYXRAY_REAL_THREAD_STATUS
    };
}

TEST(ThreadStatusLayout, AgreesWithEveryInstalledHeaderSet) {
    auto sets = header_sets();
    if (sets.empty()) GTEST_SKIP() << "no CPython internal headers installed to compare with";
    std::string checked;
    for (const auto& set : sets) {
        const RealThreadStatus& r = set.status;
        auto version = pyxray::PythonVersion::from_hex(r.version_hex);
        auto kind = r.free_threaded ? pyxray::BuildKind::FreeThreaded : pyxray::BuildKind::Default;
        auto table = pyxray::offsets_for(version, kind);
        ASSERT_TRUE(table.has_value()) << set.dir << ": " << table.error().message;
        SCOPED_TRACE(std::string(set.dir) + " (" + version.str() + ")");
        ASSERT_TRUE((*table)->thread_status.has_value());
        const pyxray::ThreadStatusOffsets& s = *(*table)->thread_status;
        EXPECT_EQ(s.gil_in_runtime, r.gil_in_runtime != 0);
        EXPECT_EQ(s.gil, static_cast<uint64_t>(r.gil));
        EXPECT_EQ(s.gil_last_holder, static_cast<uint64_t>(r.gil_last_holder));
        EXPECT_EQ(s.gil_locked, static_cast<uint64_t>(r.gil_locked));
        EXPECT_EQ(s.gil_enabled.has_value(), r.gil_enabled >= 0);
        if (s.gil_enabled) {
            EXPECT_EQ(*s.gil_enabled, static_cast<uint64_t>(r.gil_enabled));
        }
        EXPECT_EQ(s.gc_in_runtime, r.gc_in_runtime != 0);
        EXPECT_EQ(s.gc_collecting, static_cast<uint64_t>(r.gc_collecting));
        EXPECT_EQ(s.modules, static_cast<uint64_t>(r.modules));
        const auto& lists = (*table)->gc_lists;
        ASSERT_EQ(lists.has_value(), !r.free_threaded);  // free-threaded builds link no lists
        if (lists) {
            EXPECT_EQ(lists->in_runtime, r.gc_in_runtime != 0);
            EXPECT_EQ(lists->state, std::optional<uint64_t>(r.gc_state));
            EXPECT_EQ(lists->lists[2], static_cast<uint64_t>(r.gc_oldest_head));
            EXPECT_EQ(lists->lists[3], static_cast<uint64_t>(r.gc_permanent_head));
        }
        checked += std::string(" ") + set.dir;
    }
    std::printf("checked thread-status mirrors against:%s\n", checked.c_str());
}

}  // namespace

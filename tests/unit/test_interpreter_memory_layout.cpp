// The interpreter-memory mirrors (layout/interpreter_memory_mirrors.hpp) must agree with every
// installed CPython 3.10+'s own headers wherever pyxray mirrors a field; the fields a version has
// that pyxray does not mirror yet are listed, and the 3.10-3.13 release tables must have them all.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "layout/interpreter_memory_offsets.hpp"
#include "layout/offsets.hpp"
#include "real_headers/real_interpreter_memory.h"

#define PYXRAY_REAL_INTERPRETER_MEMORY(tag, dir) \
    extern "C" RealInterpreterMemory pyxray_real_interpreter_memory_##tag(void);
#include "real_interpreter_memory_sets.h"
#undef PYXRAY_REAL_INTERPRETER_MEMORY

namespace {

struct HeaderSet {
    const char* dir;
    RealInterpreterMemory real;
};

std::vector<HeaderSet> header_sets() {
    return {
#define PYXRAY_REAL_INTERPRETER_MEMORY(tag, dir) {dir, pyxray_real_interpreter_memory_##tag()},
#include "real_interpreter_memory_sets.h"
#undef PYXRAY_REAL_INTERPRETER_MEMORY
    };
}

// Equal where pyxray has the field; a field pyxray has must exist in the headers.
void check(const char* name, const std::optional<uint64_t>& mine, int64_t real, std::string& unmirrored) {
    SCOPED_TRACE(name);
    if (mine) {
        EXPECT_GE(real, 0) << "pyxray mirrors a field these headers do not have";
        EXPECT_EQ(*mine, static_cast<uint64_t>(real));
    } else if (real >= 0) {
        unmirrored += std::string(" ") + name;
    }
}

TEST(InterpreterMemoryLayout, AgreesWithEveryInstalledHeaderSet) {
    auto sets = header_sets();
    if (sets.empty()) GTEST_SKIP() << "no CPython 3.11+ internal headers installed to compare with";
    bool saw_release = false;
    for (const auto& set : sets) {
        const RealInterpreterMemory& r = set.real;
        auto version = pyxray::PythonVersion::from_hex(r.version_hex);
        SCOPED_TRACE(std::string(set.dir) + " (" + version.str() + ")");
        auto mine =
            pyxray::interpreter_memory_offsets(version.minor, r.free_threaded != 0, r.debug_build != 0);
        std::string unmirrored;
        check("narenas", mine.narenas, r.narenas, unmirrored);
        check("obmalloc", mine.obmalloc, r.obmalloc, unmirrored);
        check("obmalloc_narenas", mine.obmalloc_narenas, r.obmalloc_narenas, unmirrored);
        check("float_numfree", mine.float_numfree, r.float_numfree, unmirrored);
        check("tuple_numfree", mine.tuple_numfree, r.tuple_numfree, unmirrored);
        check("list_numfree", mine.list_numfree, r.list_numfree, unmirrored);
        check("dict_numfree", mine.dict_numfree, r.dict_numfree, unmirrored);
        check("dict_keys_numfree", mine.dict_keys_numfree, r.dict_keys_numfree, unmirrored);
        check("frame_numfree", mine.frame_numfree, r.frame_numfree, unmirrored);
        if (version.minor >= 10 && version.minor <= 13 && !r.free_threaded && !r.debug_build) {
            saw_release = true;
            EXPECT_EQ(unmirrored, "") << "a 3.10-3.13 release table lost a field";
        }
        std::printf("%s (%s): checked; not mirrored:%s\n", set.dir, version.str().c_str(),
                    unmirrored.empty() ? " none" : unmirrored.c_str());
    }
    if (!saw_release) std::printf("no 3.10-3.13 release headers here: their tables were not checked\n");
}

}  // namespace

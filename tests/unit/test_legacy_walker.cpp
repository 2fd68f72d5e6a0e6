// PyFrameObject chains (CPython 3.8-3.10) on synthetic images, and OS thread ids from glibc's
// struct pthread for thread states that only keep pthread_self().
#include <gtest/gtest.h>

#include <array>
#include <map>

#include "interp/pthread_tids.hpp"
#include "interp/thread_states.hpp"
#include "legacy_synthetic.hpp"
#include "symbols/elf_symbols.hpp"
#include "walk_helpers.hpp"

namespace {

using pyxray::testing::names;
using pyxray::testing::walk;

using pyxray::Offsets;
using pyxray::PyThread;
using pyxray::testing::LegacySyntheticPython;

class LegacyWalker : public ::testing::TestWithParam<int> {
protected:
    const Offsets& offsets() const {
        switch (GetParam()) {
            case 8:
                return pyxray::offsets_3_8();
            case 9:
                return pyxray::offsets_3_9();
            default:
                return pyxray::offsets_3_10();
        }
    }
};

TEST_P(LegacyWalker, EveryFrameIsItsOwnEvalCall) {
    LegacySyntheticPython image(offsets());
    uint64_t key = image.make_code("key_fn", "/t.py", 10);
    uint64_t run = image.make_code("run", "/t.py", 20);
    uint64_t module = image.make_code("<module>", "/t.py", 1);
    uint64_t newest =
        image.chain({image.make_frame(key, 3), image.make_frame(run, 5), image.make_frame(module, 2)});
    image.add_thread(0x7f00deadb000, newest);
    auto threads = walk(image, offsets());
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].thread_id, 0x7f00deadb000u);
    EXPECT_EQ(threads[0].native_thread_id, 0u);  // not recorded before 3.11
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"key_fn:13", "run:25", "<module>:3"}));
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{1, 1, 1}));
    EXPECT_FALSE(threads[0].truncated);
    EXPECT_EQ(threads[0].frames[0].function, "key_fn");
    EXPECT_EQ(threads[0].frames[0].file, "/t.py");
    EXPECT_TRUE(threads[0].frames[2].entry);
}

TEST_P(LegacyWalker, NotYetStartedFrameIsOnItsFirstLine) {
    LegacySyntheticPython image(offsets());
    uint64_t code = image.make_code("f", "/t.py", 40);
    image.add_thread(1, image.make_frame(code, -1));
    auto threads = walk(image, offsets());
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"f:40"}));
}

TEST_P(LegacyWalker, TracedFrameReportsFLineno) {
    // With a trace function set, CPython reports f_lineno (3.10: whenever it is non-zero).
    LegacySyntheticPython image(offsets());
    uint64_t code = image.make_code("f", "/t.py", 40);
    uint64_t tracer = image.make_str("tracer");
    image.add_thread(1, image.make_frame(code, 2, tracer, 77));
    auto threads = walk(image, offsets());
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"f:77"}));
}

TEST_P(LegacyWalker, LoopInFBackEndsTheWalkWithANote) {
    LegacySyntheticPython image(offsets());
    uint64_t code = image.make_code("f", "/t.py", 1);
    uint64_t a = image.make_frame(code, 0), b = image.make_frame(code, 1);
    image.chain({a, b, a});
    image.add_thread(1, a);
    auto threads = walk(image, offsets());
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].frames.size(), 2u);
    ASSERT_TRUE(threads[0].truncated);
    EXPECT_NE(threads[0].truncated->find("loops back"), std::string::npos) << *threads[0].truncated;
}

TEST_P(LegacyWalker, UnreadableFrameOrNonCodeEndsTheWalkWithANote) {
    LegacySyntheticPython image(offsets());
    uint64_t code = image.make_code("f", "/t.py", 1);
    uint64_t not_code = image.make_str("not code");
    uint64_t good = image.make_frame(code, 0);
    image.chain({good, image.make_frame(not_code, 0)});
    image.add_thread(1, good);
    uint64_t lost = image.make_frame(code, 0);
    image.put64(lost + offsets().frame_object->back, 0xdead0000);
    image.add_thread(2, lost);
    auto threads = walk(image, offsets());
    ASSERT_EQ(threads.size(), 2u);
    EXPECT_EQ(threads[0].frames.size(), 1u);  // thread 2, linked first
    ASSERT_TRUE(threads[0].truncated);
    EXPECT_NE(threads[0].truncated->find("unreadable frame object at 0xdead0000"), std::string::npos);
    EXPECT_EQ(threads[1].frames.size(), 1u);
    ASSERT_TRUE(threads[1].truncated);
    EXPECT_NE(threads[1].truncated->find("not a code object"), std::string::npos) << *threads[1].truncated;
}

INSTANTIATE_TEST_SUITE_P(Versions, LegacyWalker, ::testing::Values(8, 9, 10),
                         [](const auto& info) { return "3_" + std::to_string(info.param); });

// glibc's own descriptor of struct pthread's tid, placed where this machine's libc says, and a
// struct pthread whose first word points at itself, as the x86-64 TLS ABI requires.
TEST(PthreadTids, ReadsTheTidFromGlibcsStructPthread) {
    const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    std::array<std::string_view, 1> wanted = {"_thread_db_pthread_tid"};
    auto symbols = pyxray::ElfSymbols::open(libc, wanted);
    if (!symbols || !symbols->find("_thread_db_pthread_tid"))
        GTEST_SKIP() << libc << " has no _thread_db_pthread_tid (glibc before 2.34?)";
    constexpr uint64_t kLibcBase = 0x40000000, kPthread = 0x50000000, kTidOffset = 720;
    uint64_t descriptor = symbols->runtime_address(*symbols->find("_thread_db_pthread_tid"), kLibcBase);
    auto memory = std::make_unique<pyxray::BufferMemory>();
    std::array<uint32_t, 3> fields = {32, 1, kTidOffset};
    std::vector<std::byte> descriptor_bytes(12);
    std::memcpy(descriptor_bytes.data(), fields.data(), 12);
    memory->add(descriptor, descriptor_bytes);
    std::vector<std::byte> pthread(1024);
    std::memcpy(pthread.data(), &kPthread, 8);
    int32_t tid = 4321;
    std::memcpy(pthread.data() + kTidOffset, &tid, 4);
    memory->add(kPthread, pthread);
    pyxray::StaticTarget target(std::move(memory), {}, {pyxray::ModuleInfo{libc, kLibcBase}}, {}, {});

    std::vector<PyThread> threads(3);
    threads[0].thread_id = kPthread;      // a real struct pthread
    threads[1].thread_id = kPthread + 8;  // its first word does not point at itself: left alone
    threads[2].thread_id = kPthread;
    threads[2].native_thread_id = 99;  // already known (3.11+): left alone
    pyxray::fill_native_ids_from_pthreads(target, threads);
    EXPECT_EQ(threads[0].native_thread_id, 4321u);
    EXPECT_EQ(threads[1].native_thread_id, 0u);
    EXPECT_EQ(threads[2].native_thread_id, 99u);
}

}  // namespace

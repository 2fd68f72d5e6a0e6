// py-refcnt/py-refwatch's core: refcounts per object-header layout, the change log's
// balances and leaky returns, the --each-line plan, and the command words.
#include <gtest/gtest.h>

#include "object_image.hpp"
#include "objects/refcount.hpp"
#include "pyxray/refwatch.hpp"

namespace {

using namespace pyxray;

constexpr uint32_t k312 = 0x030c01f0;

struct Counted {
    std::unique_ptr<BufferMemory> memory;
    uint64_t object;
};

Counted counted_object(const Offsets& offsets,
                       void (*fill)(synthetic::ObjectImage&, const Offsets&, uint64_t)) {
    synthetic::ObjectImage image(offsets);
    uint64_t object = image.object(image.type_object("Token", type_flags::kHeapType), 64);
    fill(image, offsets, object);
    return {image.finish(), object};
}

TEST(Refcount, DefaultBuildReadsObRefcnt) {
    auto counted = counted_object(offsets_3_11(), [](auto& image, const Offsets& o, uint64_t object) {
        image.template put<int64_t>(object + o.refcount.ob_refcnt, 7);
    });
    auto count = read_refcount(*counted.memory, offsets_3_11(), 0x030b07f0, counted.object);
    ASSERT_TRUE(count) << count.error().message;
    EXPECT_EQ(count->value, 7);
    EXPECT_FALSE(count->immortal);
}

TEST(Refcount, ImmortalFrom312OnlyByTheSignBitOfTheLow32Bits) {
    auto counted = counted_object(offsets_3_12(), [](auto& image, const Offsets& o, uint64_t object) {
        image.template put<int64_t>(object + o.refcount.ob_refcnt, 0xFFFFFFFF);  // _Py_IMMORTAL_REFCNT
    });
    EXPECT_TRUE(read_refcount(*counted.memory, offsets_3_12(), k312, counted.object)->immortal);
    EXPECT_FALSE(read_refcount(*counted.memory, offsets_3_12(), 0x030b07f0, counted.object)->immortal);
}

TEST(Refcount, FreeThreadedAddsLocalAndSharedShiftedByTwo) {
    ASSERT_TRUE(offsets_3_13t().refcount.split);
    auto counted = counted_object(offsets_3_13t(), [](auto& image, const Offsets& o, uint64_t object) {
        image.template put<uint32_t>(object + o.refcount.ob_ref_local, 3);
        image.template put<int64_t>(object + o.refcount.ob_ref_shared, (5 << 2) | 1);  // 5, flag bit set
    });
    auto count = read_refcount(*counted.memory, offsets_3_13t(), 0x030d00f0, counted.object);
    ASSERT_TRUE(count) << count.error().message;
    EXPECT_EQ(count->value, 8);
    EXPECT_FALSE(count->immortal);
}

TEST(Refcount, FreeThreadedImmortalIsLocalAllOnes) {
    auto counted = counted_object(offsets_3_13t(), [](auto& image, const Offsets& o, uint64_t object) {
        image.template put<uint32_t>(object + o.refcount.ob_ref_local, 0xFFFFFFFF);
    });
    EXPECT_TRUE(read_refcount(*counted.memory, offsets_3_13t(), 0x030d00f0, counted.object)->immortal);
}

TEST(Refcount, ZeroCountIsAFreedObject) {
    auto counted = counted_object(offsets_3_12(), [](auto&, const Offsets&, uint64_t) {});
    auto count = read_refcount(*counted.memory, offsets_3_12(), k312, counted.object);
    ASSERT_FALSE(count);
    EXPECT_NE(count.error().message.find("freed"), std::string::npos);
}

SourceSite c_line(int line) { return {"ext.c", line, "leaky"}; }

// One call entering at `entry` (refcount `start`), stopping at `lines` with the refcounts
// given, and leaving through the epilogue line 30.
void call(RefWatch& watch, int64_t start, const std::vector<std::pair<int, int64_t>>& lines) {
    watch.record(c_line(10), StopKind::Entry, {start, false}, SourceSite{"driver.py", 5, "main"});
    for (auto [line, count] : lines) watch.record(c_line(line), StopKind::Line, {count, false}, std::nullopt);
    watch.record(c_line(30), StopKind::Exit, {lines.back().second, false}, std::nullopt);
}

TEST(RefWatch, NamesTheLeakyReturnWithItsCallsAndPutsChangesOnTheLineThatRan) {
    RefWatch watch(0x1000, "Token", {2, false}, std::nullopt);
    for (int i = 0; i < 3; ++i) call(watch, 2 + i, {{11, 2 + i}, {12, 3 + i}, {13, 3 + i}});  // leaks at 13
    call(watch, 5, {{11, 5}, {12, 6}, {20, 5}, {21, 5}});  // balanced via 21
    auto leaky = watch.leaky_returns();
    ASSERT_EQ(leaky.size(), 1u);
    EXPECT_EQ(leaky[0].site.line, 13);
    EXPECT_EQ(leaky[0].calls, 3u);
    EXPECT_EQ(leaky[0].net, 3);
    auto sites = watch.sites();
    ASSERT_EQ(sites.size(), 2u);
    EXPECT_EQ(sites[0].site.line, 11);  // the increments happened while line 11 ran
    EXPECT_EQ(sites[0].increments, 4u);
    EXPECT_EQ(sites[1].site.line, 12);
    EXPECT_EQ(sites[1].decrements, 1u);
    EXPECT_NE(watch.render_json().find(R"("net_per_call": 1)"), std::string::npos);
}

TEST(RefWatch, AChangeSeenAtEntryIsTheCallersAndCountEndsTheWatch) {
    RefWatch watch(0x1000, "Token", {2, false}, 1);
    std::string line =
        watch.record(c_line(10), StopKind::Entry, {3, false}, SourceSite{"driver.py", 5, "main"});
    EXPECT_EQ(line, "refcnt 2 -> 3 at main (driver.py:5) <- driver.py:5\n");
    EXPECT_TRUE(watch.done());
    EXPECT_TRUE(watch.leaky_returns().empty());
}

TEST(RefWatch, ATargetThatNeverStoppedIsSaidToHaveRunThrough) {
    RefWatch silent(0x1000, "Token", {2, false}, 3);
    silent.end(RefwatchEnd::Exited);
    EXPECT_NE(silent.render_text().find("without stopping once"), std::string::npos);
    EXPECT_NE(silent.render_json().find(R"("stops": 0)"), std::string::npos);

    RefWatch stopped(0x1000, "Token", {2, false}, 3);
    stopped.record(c_line(10), StopKind::Entry, {2, false}, std::nullopt);  // stopped, unchanged
    stopped.end(RefwatchEnd::Exited);
    EXPECT_EQ(stopped.render_text().find("without stopping once"), std::string::npos);
    EXPECT_NE(stopped.render_json().find(R"("stops": 1)"), std::string::npos);
}

TEST(StopPlan, EntryLinesAndTheEpilogueInlinedHeadersIncluded) {
    std::vector<LineAddress> entries = {{0x100, "ext.c", 10}, {0x110, "ext.c", 11}, {0x118, "object.h", 640},
                                        {0x120, "ext.c", 12}, {0x130, "ext.c", 14}, {0x138, "ext.c", 14},
                                        {0x90, "ext.c", 3}};
    auto plan = plan_each_line(entries, 0x100, "leaky");
    ASSERT_EQ(plan.size(), 5u);
    EXPECT_EQ(plan[0x100].kind, StopKind::Entry);
    EXPECT_EQ(plan[0x118].kind, StopKind::Line);
    EXPECT_EQ(plan[0x130].kind, StopKind::Exit);
    EXPECT_FALSE(plan.contains(0x138));
    EXPECT_FALSE(plan.contains(0x90));
}

TEST(StopPlan, ASiteSkipsHeaderFrames) {
    EXPECT_EQ(choose_c_site({{"object.h", 640, "Py_INCREF"}, {"ext.c", 19, "leaky"}}).line, 19);
    EXPECT_EQ(choose_c_site({{"object.h", 640, "Py_INCREF"}}).line, 640);
    EXPECT_EQ(choose_c_site({}).file, "??");
}

TEST(RefwatchCommand, ParsesOptionsAndDefaultsToTheWatchpoint) {
    auto command = parse_refwatch_command({"(PyObject", "*)", "0x10", "--count", "4", "--json"});
    ASSERT_TRUE(command);
    EXPECT_EQ(command->object, "(PyObject *) 0x10");
    EXPECT_TRUE(command->watch && command->json);
    EXPECT_EQ(command->count, 4u);
    auto lines = parse_refwatch_command({"py:token", "--each-line", "f", "--break", "x.c:3"});
    ASSERT_TRUE(lines);
    EXPECT_FALSE(lines->watch);
    EXPECT_EQ(python_variable_name(lines->object), "token");
    EXPECT_FALSE(parse_refwatch_command({"obj", "--count", "0"}));
    EXPECT_FALSE(parse_refwatch_command({"obj", "--each-line"}));
    EXPECT_FALSE(parse_refwatch_command({"--json"}));
    EXPECT_FALSE(parse_refcnt_command({"obj", "--bogus"}));
}

}  // namespace

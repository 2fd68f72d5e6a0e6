// The heap census's pieces on synthetic memory: walking the GC's generation lists (circular,
// checked by each node's back link, capped) for every version's table, and the sizes
// sys.getsizeof() gives for the builtin families whose size is not the type's basic size.
#include <gtest/gtest.h>

#include <vector>

#include "heap/gc_lists.hpp"
#include "heap/object_sizes.hpp"
#include "layout/offsets.hpp"
#include "object_image.hpp"
#include "pyxray/memory.hpp"

namespace {

using pyxray::BufferMemory;
using pyxray::GcListOffsets;
using pyxray::PythonVersion;

constexpr uint64_t kState = 0x10000;  // the _gc_runtime_state
constexpr uint64_t kNodes = 0x20000;  // GC heads, 64 bytes apart

struct Lists {
    GcListOffsets layout;
    std::vector<uint64_t> words =
        std::vector<uint64_t>((kNodes + 0x4000 - kState) / 8, 0);  // state and nodes

    // Every list starts empty: its head links to itself.
    explicit Lists(const GcListOffsets& offsets) : layout(offsets) {
        for (uint64_t list : layout.lists) link(kState + list, kState + list, kState + list);
    }

    void link(uint64_t address, uint64_t next, uint64_t prev) {
        put(address, next);
        put(address + 8, prev);
    }
    void put(uint64_t address, uint64_t value) { words.at((address - kState) / 8) = value; }

    // List `list` holding `count` nodes, each node's _gc_prev carrying flag bits as CPython's may.
    void fill(size_t list, size_t count, size_t first_node) {
        uint64_t head = kState + layout.lists[list];
        uint64_t previous = head;
        for (size_t i = 0; i < count; ++i) {
            uint64_t node = kNodes + 64 * (first_node + i);
            link(node, 0, previous | 1);
            put(previous, node);
            previous = node;
        }
        put(previous, head);
        put(head + 8, previous);
    }

    BufferMemory memory() const {
        BufferMemory memory;
        memory.add(kState, words.data(), words.size() * 8);
        return memory;
    }
};

// Every default-build table has its lists; free-threaded ones have none.
const pyxray::Offsets& table(int minor, pyxray::BuildKind kind = pyxray::BuildKind::Default) {
    auto found = pyxray::offsets_for(
        PythonVersion{3, minor, 0, static_cast<uint32_t>(0x03000000 | minor << 16)}, kind);
    EXPECT_TRUE(found.has_value());
    return **found;
}

class EveryDefaultTable : public ::testing::TestWithParam<int> {};

TEST_P(EveryDefaultTable, WalksEachListBackToItsHead) {
    const pyxray::Offsets& offsets = table(GetParam());
    ASSERT_TRUE(offsets.gc_lists.has_value());
    Lists lists(*offsets.gc_lists);
    for (size_t list = 0; list < 4; ++list) lists.fill(list, list + 2, list * 10);
    BufferMemory memory = lists.memory();
    auto walk =
        pyxray::gc_list_objects(memory, *offsets.gc_lists, kState, PythonVersion{3, GetParam(), 0, 0}, {});
    ASSERT_EQ(walk.lists.size(), 4u);
    for (size_t list = 0; list < 4; ++list) EXPECT_EQ(walk.lists[list].count, list + 2);
    EXPECT_EQ(walk.lists[3].name, "permanent");
    ASSERT_EQ(walk.objects.size(), 2u + 3 + 4 + 5);
    EXPECT_EQ(walk.objects[0], kNodes + offsets.gc_lists->head_size);
    EXPECT_TRUE(walk.notes.empty());
}

INSTANTIATE_TEST_SUITE_P(Versions, EveryDefaultTable, ::testing::Range(8, 16),
                         [](const auto& info) { return "v3_" + std::to_string(info.param); });

TEST(GcLists, FreeThreadedBuildsLinkNone) {
    EXPECT_FALSE(table(13, pyxray::BuildKind::FreeThreaded).gc_lists.has_value());
    EXPECT_FALSE(table(14, pyxray::BuildKind::FreeThreaded).gc_lists.has_value());
}

TEST(GcLists, The314TableLeavesTheStateToDebugOffsetsAndNamesTheIncrementalSpaces) {
    const auto& lists = *table(14).gc_lists;
    EXPECT_FALSE(lists.state.has_value());
    EXPECT_TRUE(table(13).gc_lists->state.has_value());
    Lists image(lists);
    for (size_t list = 0; list < 4; ++list) image.fill(list, 1, list);
    BufferMemory memory = image.memory();
    auto early = pyxray::gc_list_objects(memory, lists, kState, PythonVersion{3, 14, 4, 0}, {});
    auto reverted = pyxray::gc_list_objects(memory, lists, kState, PythonVersion{3, 14, 5, 0}, {});
    EXPECT_EQ(early.lists[0].name, "young");
    EXPECT_EQ(early.lists[2].name, "old[1]");
    EXPECT_EQ(reverted.lists[0].name, "0");
}

TEST(GcLists, ALoopIntoTheMiddleEndsTheListWithANote) {
    const auto& layout = *table(12).gc_lists;
    Lists lists(layout);
    lists.fill(0, 5, 0);
    lists.put(kNodes + 64 * 4, kNodes + 64 * 1);  // the last node links back to the second
    BufferMemory memory = lists.memory();
    auto walk = pyxray::gc_list_objects(memory, layout, kState, PythonVersion{3, 12, 0, 0}, {});
    EXPECT_EQ(walk.lists[0].count, 5u);
    ASSERT_EQ(walk.notes.size(), 1u);
    EXPECT_NE(walk.notes[0].find("GC list 0 is broken"), std::string::npos) << walk.notes[0];
    EXPECT_EQ(walk.lists[1].count, 0u);  // the other lists are still walked
}

TEST(GcLists, UnreadableNodesAndTheCapEndAListWithANote) {
    const auto& layout = *table(11).gc_lists;
    Lists lists(layout);
    lists.fill(0, 3, 0);
    lists.put(kNodes + 64 * 2, 0x7fff0000);  // the third node links into nothing
    lists.fill(2, 10, 20);
    BufferMemory memory = lists.memory();
    auto walk = pyxray::gc_list_objects(memory, layout, kState, PythonVersion{3, 11, 0, 0}, {7});
    EXPECT_EQ(walk.lists[0].count, 3u);
    EXPECT_NE(walk.notes.at(0).find("unreadable after 3 objects"), std::string::npos) << walk.notes[0];
    EXPECT_EQ(walk.lists[2].count, 4u);  // 3 + 4 reach the cap of 7
    EXPECT_TRUE(walk.capped);
    EXPECT_NE(walk.notes.at(1).find("the cap"), std::string::npos) << walk.notes[1];
}

TEST(ObjectSizes, ListsCountTheirAllocatedSlotsAndTuplesTheirItems) {
    const pyxray::Offsets& offsets = table(12);
    synthetic::ObjectImage image(offsets);
    uint64_t one = image.str("x");
    uint64_t list = image.list({one, one, one});
    image.put<int64_t>(list + offsets.objects.sizeof_fields.list_allocated, 8);
    uint64_t tuple = image.tuple({one, one});
    auto memory = image.finish();
    pyxray::objects::Decoder decoder(*memory, offsets, {});
    auto list_type = decoder.type_of(list);
    auto tuple_type = decoder.type_of(tuple);
    ASSERT_TRUE(list_type && tuple_type);
    auto list_sizing = pyxray::type_sizing(decoder, *list_type, 12, 16);
    EXPECT_EQ(list_sizing.family, pyxray::SizeFamily::List);
    auto list_size = pyxray::object_size(*memory, offsets, list, list_sizing, 3);
    EXPECT_EQ(list_size.length, 3u);
    EXPECT_EQ(list_size.bytes, static_cast<uint64_t>(list_type->basicsize) + 8 * 8 + 16);
    auto tuple_sizing = pyxray::type_sizing(decoder, *tuple_type, 12, 16);
    EXPECT_EQ(tuple_sizing.family, pyxray::SizeFamily::Tuple);
    auto tuple_size = pyxray::object_size(*memory, offsets, tuple, tuple_sizing, 2);
    EXPECT_EQ(tuple_size.bytes, static_cast<uint64_t>(tuple_type->basicsize + 2 * tuple_type->itemsize) + 16);
}

TEST(ObjectSizes, AnItemCountNoObjectCouldHoldAddsNothing) {
    pyxray::TypeSizing sizing{pyxray::SizeFamily::Plain, 72, 8, 16};
    BufferMemory memory;
    EXPECT_EQ(pyxray::object_size(memory, table(11), 0x1000, sizing, 3).bytes, 72u + 24 + 16);
    EXPECT_EQ(pyxray::object_size(memory, table(11), 0x1000, sizing, 0x7f0012345678).bytes, 72u + 16);
}

}  // namespace

// Thread-state and frame walking on synthetic CPython 3.15 images: the base frame at the
// bottom of every thread's chain (FRAME_OWNED_BY_THREAD_STATE, pointed at by
// PyThreadState.base_frame), FRAME_OWNED_BY_CSTACK gone, two stackref tag bits, and the
// 3.15 _Py_DebugOffsets with thread_state.base_frame read and merged.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>

#include "interp/thread_states.hpp"
#include "layout/debug_offsets_314.hpp"
#include "synthetic_python.hpp"
#include "walk_helpers.hpp"

namespace {

using pyxray::testing::names;
using pyxray::testing::walk;

using pyxray::Offsets;
using pyxray::PyThread;
using pyxray::testing::SyntheticPython;
using Table = pyxray::mirror::DebugOffsets315;

const pyxray::PythonVersion kVersion = pyxray::PythonVersion::from_hex(0x030f00a2);  // 3.15.0a2
constexpr uint8_t kGenerator = 1, kInterpreter = 3, kThreadState = 4;
constexpr uint64_t kRefcntTag = 1;  // Py_TAG_REFCNT; PyStackRef_NULL is this tag alone

uint64_t tagged_frame(SyntheticPython& image, const Offsets& o, uint64_t code, int unit) {
    uint64_t frame = image.make_frame(code, unit);
    image.put64(frame + o.interpreter_frame.executable, code | kRefcntTag);
    return frame;
}

// The entry frame of an eval call: owned by the interpreter, f_executable PyStackRef_None.
uint64_t make_shim(SyntheticPython& image, const Offsets& o, uint64_t any_code) {
    uint64_t none = image.make_str("None");
    image.put64(none + o.pyobject.ob_type, image.make_type("NoneType"));
    uint64_t shim = image.make_frame_owned(any_code, 0, kInterpreter);
    image.put64(shim + o.interpreter_frame.executable, none | kRefcntTag);
    return shim;
}

// A thread whose chain ends at its own base frame, as 3.15 links every thread's frames.
uint64_t add_thread_with_base(SyntheticPython& image, const Offsets& o, uint64_t native_id,
                              std::vector<uint64_t> frames, uint64_t any_code, uint64_t base_offset) {
    uint64_t base = image.make_frame_owned(any_code, 0, kThreadState);
    image.put64(base + o.interpreter_frame.executable, kRefcntTag);  // PyStackRef_NULL
    frames.push_back(base);
    uint64_t tstate = image.add_thread(native_id, image.chain(frames));
    image.put64(tstate + base_offset, base);
    return tstate;
}

TEST(FrameWalker315, TableTakesOwnersTagBitsAndBaseFrameFrom315) {
    const Offsets& o = pyxray::offsets_3_15();
    EXPECT_EQ(o.interpreter_frame.owners.generator, kGenerator);
    EXPECT_EQ(o.interpreter_frame.owners.shim, kInterpreter);
    EXPECT_EQ(o.interpreter_frame.owners.thread_base, kThreadState);
    EXPECT_FALSE(o.interpreter_frame.owners.c_stack.has_value());
    EXPECT_EQ(o.interpreter_frame.stackref_tag_bits & kRefcntTag, kRefcntTag);
    ASSERT_TRUE(o.thread_state.base_frame.has_value());
    EXPECT_GT(*o.thread_state.base_frame, *o.thread_state.current_frame);
    EXPECT_LT(*o.thread_state.base_frame, o.thread_state.thread_id);
    auto chosen = pyxray::offsets_for(kVersion);
    ASSERT_TRUE(chosen) << chosen.error().message;
    EXPECT_EQ(*chosen, &o);
}

TEST(FrameWalker315, ChainsEndAtEachThreadsBaseFrame) {
    const Offsets& o = pyxray::offsets_3_15();
    SyntheticPython image(o);
    uint64_t handler = image.make_code("handle", "Server.handle", "/s.py", 80);
    uint64_t serve = image.make_code("serve", "Server.serve", "/s.py", 60);
    uint64_t gen = image.make_code("lines", "lines", "/s.py", 20, 16, /*first_traceable=*/3);
    uint64_t main = image.make_code("<module>", "<module>", "/s.py", 1);
    uint64_t gen_frame = image.make_frame_owned(gen, 1, kGenerator);  // suspended before RESUME
    image.put64(gen_frame + o.interpreter_frame.executable, gen | kRefcntTag);
    add_thread_with_base(
        image, o, 501,
        {tagged_frame(image, o, handler, 2), make_shim(image, o, handler), gen_frame,
         tagged_frame(image, o, serve, 6), image.make_frame(main, 3), make_shim(image, o, main)},
        main, *o.thread_state.base_frame);
    add_thread_with_base(image, o, 502, {tagged_frame(image, o, handler, 9), make_shim(image, o, main)}, main,
                         *o.thread_state.base_frame);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 2u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Server.handle:89"}));
    EXPECT_EQ(names(threads[1]),
              (std::vector<std::string>{"Server.handle:82", "lines:21", "Server.serve:66", "<module>:4"}));
    EXPECT_EQ(threads[1].segment_sizes, (std::vector<size_t>{1, 3}));
    for (const auto& thread : threads) EXPECT_FALSE(thread.truncated) << *thread.truncated;
}

TEST(FrameWalker315, ChainThatStopsShortOfTheBaseFrameIsMarkedIncomplete) {
    const Offsets& o = pyxray::offsets_3_15();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 10);
    uint64_t newest = tagged_frame(image, o, code, 1);
    uint64_t oldest = tagged_frame(image, o, code, 2);
    uint64_t tstate = image.add_thread(7, image.chain({newest, oldest}));
    uint64_t base = image.make_frame_owned(code, 0, kThreadState);
    image.put64(tstate + *o.thread_state.base_frame, base);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"f:11", "f:12"}));
    ASSERT_TRUE(threads[0].truncated);
    EXPECT_EQ(*threads[0].truncated,
              fmt::format("frame chain ends at {:#x}, not at the thread's base frame {:#x}", oldest, base));
}

// A 3.15 table laid out like `o`.
Table good_table(const Offsets& o) {
    Table t{};
    std::memcpy(t.cookie, pyxray::kDebugCookie, sizeof(t.cookie));
    t.version = kVersion.hex;
    t.runtime_state = {o.runtime_state.interpreters_head + 4096, 0, o.runtime_state.interpreters_head};
    t.interpreter_state.size = 8192;
    t.interpreter_state.id = o.interpreter_state.id;
    t.interpreter_state.next = o.interpreter_state.next;
    t.interpreter_state.threads_head = o.interpreter_state.threads_head;
    t.thread_state.size = 512;
    t.thread_state.next = o.thread_state.next;
    t.thread_state.interp = o.thread_state.interp;
    t.thread_state.current_frame = *o.thread_state.current_frame;
    t.thread_state.base_frame = *o.thread_state.base_frame;
    t.thread_state.thread_id = o.thread_state.thread_id;
    t.thread_state.native_thread_id = o.thread_state.native_thread_id;
    const auto& f = o.interpreter_frame;
    t.interpreter_frame = {f.size + 8, f.previous, f.executable,    f.instr_ptr,
                           f.size,     f.owner,    f.instr_ptr + 8, 0};
    const auto& c = o.code_object;
    t.code_object = {
        c.co_code_adaptive + 8, c.filename, c.name, c.qualname, c.linetable, c.firstlineno, 8, 0, 0,
        c.co_code_adaptive,     0};
    t.pyobject = {16, o.pyobject.ob_type};
    t.type_object = {400, o.type_object.tp_name, 0, 0, 0, 0};
    t.bytes_object = {40, o.bytes_object.ob_size, o.bytes_object.ob_sval};
    t.unicode_object = {o.unicode_object.data_any + 8, o.unicode_object.state, o.unicode_object.length,
                        o.unicode_object.ascii_size, o.unicode_object.compact_size};
    return t;
}

pyxray::Result<const Offsets*> read_table(SyntheticPython& image, const Table& table) {
    image.put_bytes(image.runtime(), &table, sizeof(table));
    auto memory = image.memory();
    return pyxray::read_debug_offsets(*memory, image.runtime(), kVersion, pyxray::offsets_3_15());
}

TEST(DebugOffsets315, TablesBaseFrameOffsetIsTheOneUsed) {
    // A build whose PyThreadState.base_frame sits elsewhere than in pyxray's mirror: only the
    // target's own table can say where.
    Offsets moved = pyxray::offsets_3_15();
    moved.thread_state.base_frame = 0x1f0;
    SyntheticPython image(moved);
    uint64_t code = image.make_code("tick", "Clock.tick", "/c.py", 5);
    add_thread_with_base(image, moved, 11, {tagged_frame(image, moved, code, 1)}, code, 0x1f0);
    Table table = good_table(moved);
    auto merged = read_table(image, table);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ((*merged)->thread_state.base_frame, 0x1f0u);
    EXPECT_EQ((*merged)->unicode_object.compact_size, table.unicode_object.compactunicodeobject_size);
    EXPECT_EQ((*merged)->interpreter_frame.owners.thread_base, kThreadState);
    auto threads = walk(image, **merged);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Clock.tick:6"}));
    EXPECT_FALSE(threads[0].truncated) << *threads[0].truncated;
    // The compiled-in offset finds no base frame pointer there, and says the chain is cut.
    auto built_in = walk(image, pyxray::offsets_3_15());
    ASSERT_EQ(built_in.size(), 1u);
    EXPECT_TRUE(built_in[0].truncated);
}

TEST(DebugOffsets315, DamagedTablesAreRefusedByName) {
    const Offsets& o = pyxray::offsets_3_15();
    std::string prefix = "_Py_DebugOffsets at the start of _PyRuntime is not usable: ";
    auto rejection = [&](const Table& table) {
        SyntheticPython image(o);
        auto read = read_table(image, table);
        return read ? std::string("accepted") : read.error().message;
    };
    Table table = good_table(o);
    EXPECT_EQ(rejection(table), "accepted");
    table.thread_state.base_frame = table.thread_state.size + 8;
    EXPECT_EQ(rejection(table),
              prefix + fmt::format("thread_state.base_frame = {} is not inside the struct's "
                                   "{} bytes",
                                   table.thread_state.size + 8, table.thread_state.size));
    table = good_table(o);
    table.unicode_object.compactunicodeobject_size = 1 << 20;
    EXPECT_EQ(rejection(table), prefix + fmt::format("unicode_object.compactunicodeobject_size {} is outside "
                                                     "{}..4096",
                                                     1 << 20, o.unicode_object.ascii_size + 1));
    table = good_table(o);
    table.version = 0x030e00f0;  // a 3.14 table in a 3.15 process
    EXPECT_EQ(rejection(table), prefix + "its version 0x30e00f0 does not match CPython 3.15.0 (0x30f00a2)");
}

}  // namespace

// Thread-state and frame walking on synthetic CPython 3.14 images: f_executable as a tagged
// _PyStackRef, the renumbered frame owners (FRAME_OWNED_BY_INTERPRETER = 3 for the entry shim,
// FRAME_OWNED_BY_CSTACK = 4), and the target's own 3.14 _Py_DebugOffsets read and merged.
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
using Table = pyxray::mirror::DebugOffsets314;

const pyxray::PythonVersion kVersion = pyxray::PythonVersion::from_hex(0x030e00f0);  // 3.14.0
constexpr uint8_t kGenerator = 1, kInterpreter = 3, kCStack = 4;
constexpr uint64_t kRefcntTag = 1;  // Py_TAG_REFCNT: what CPython sets on None and borrowed refs

uint64_t make_none(SyntheticPython& image, const Offsets& o) {
    uint64_t none = image.make_str("None");  // any object: only its type is looked at
    image.put64(none + o.pyobject.ob_type, image.make_type("NoneType"));
    return none;
}

// Stores `object` in the frame's f_executable the way 3.14 does: a _PyStackRef with its tag.
void set_executable(SyntheticPython& image, const Offsets& o, uint64_t frame, uint64_t object, uint64_t tag) {
    image.put64(frame + o.interpreter_frame.executable, object | tag);
}

// The eval-loop entry frame: owned by the interpreter, f_executable = PyStackRef_None.
uint64_t make_shim(SyntheticPython& image, const Offsets& o, uint64_t none, uint64_t any_code) {
    uint64_t shim = image.make_frame_owned(any_code, 0, kInterpreter);
    set_executable(image, o, shim, none, kRefcntTag);
    return shim;
}

TEST(FrameWalker314, TableTakesOwnersAndTagBitsFrom314) {
    const Offsets& o = pyxray::offsets_3_14();
    EXPECT_EQ(o.interpreter_frame.owners.generator, kGenerator);
    EXPECT_EQ(o.interpreter_frame.owners.shim, kInterpreter);
    EXPECT_EQ(o.interpreter_frame.owners.c_stack, kCStack);
    EXPECT_FALSE(o.interpreter_frame.owners.thread_base.has_value());
    EXPECT_NE(o.interpreter_frame.stackref_tag_bits, 0u);
    EXPECT_TRUE(o.thread_state.current_frame.has_value());
    EXPECT_FALSE(o.thread_state.base_frame.has_value());
    EXPECT_EQ(pyxray::offsets_3_13().interpreter_frame.stackref_tag_bits, 0u);
    EXPECT_FALSE(pyxray::offsets_3_13().interpreter_frame.owners.c_stack.has_value());
    auto chosen = pyxray::offsets_for(kVersion);
    ASSERT_TRUE(chosen) << chosen.error().message;
    EXPECT_EQ(*chosen, &o);
    auto future = pyxray::offsets_for(pyxray::PythonVersion::from_hex(0x031000a1));
    ASSERT_FALSE(future);
    EXPECT_NE(future.error().message.find("supported: 3.8 to 3.15"), std::string::npos)
        << future.error().message;
}

TEST(FrameWalker314, TaggedExecutablesAcrossShimsAndThreads) {
    const Offsets& o = pyxray::offsets_3_14();
    SyntheticPython image(o);
    uint64_t key = image.make_code("key_fn", "sorter.<locals>.key_fn", "/t.py", 10);
    uint64_t sorter = image.make_code("sorter", "sorter", "/t.py", 20);
    uint64_t module = image.make_code("<module>", "<module>", "/t.py", 1);
    uint64_t worker = image.make_code("work", "Worker.work", "/w.py", 40);
    uint64_t none = make_none(image, o);
    uint64_t key_frame = image.make_frame(key, 3);
    uint64_t sorter_frame = image.make_frame(sorter, 5);
    set_executable(image, o, key_frame, key, kRefcntTag);
    set_executable(image, o, sorter_frame, sorter, kRefcntTag);
    image.add_thread(4242, image.chain({key_frame, make_shim(image, o, none, key), sorter_frame,
                                        image.make_frame(module, 2), make_shim(image, o, none, key)}));
    uint64_t work_frame = image.make_frame(worker, 7);
    set_executable(image, o, work_frame, worker, kRefcntTag);
    image.add_thread(4243, image.chain({work_frame, make_shim(image, o, none, key)}));

    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 2u);
    EXPECT_EQ(threads[0].native_thread_id, 4243u);  // newest thread state first
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Worker.work:47"}));
    EXPECT_EQ(threads[1].native_thread_id, 4242u);
    EXPECT_EQ(names(threads[1]),
              (std::vector<std::string>{"sorter.<locals>.key_fn:13", "sorter:25", "<module>:3"}));
    EXPECT_EQ(threads[1].segment_sizes, (std::vector<size_t>{1, 2}));
    ASSERT_FALSE(threads[1].frames.empty());
    EXPECT_EQ(threads[1].frames[0].code_address, key);  // the untagged address
    for (const auto& thread : threads) EXPECT_FALSE(thread.truncated) << *thread.truncated;
}

TEST(FrameWalker314, CStackOwnedFramesAreHiddenWithoutSplittingTheEvalCall) {
    const Offsets& o = pyxray::offsets_3_14();
    SyntheticPython image(o);
    uint64_t inner = image.make_code("inner", "inner", "/a.py", 100);
    uint64_t outer = image.make_code("outer", "outer", "/a.py", 200);
    uint64_t c_stack = image.make_frame_owned(inner, 9, kCStack);  // code, but not Python's frame
    image.add_thread(7, image.chain({image.make_frame(inner, 1), c_stack, image.make_frame(outer, 2)}));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"inner:101", "outer:202"}));
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{2}));
}

TEST(FrameWalker314, GeneratorFramesAreNeverIncomplete) {
    const Offsets& o = pyxray::offsets_3_14();
    SyntheticPython image(o);
    uint64_t gen = image.make_code("produce", "produce", "/g.py", 30, 16, /*first_traceable=*/4);
    uint64_t starting = image.make_code("starting", "starting", "/g.py", 60, 16, /*first_traceable=*/4);
    uint64_t caller = image.make_code("consume", "consume", "/g.py", 50);
    // Both stopped before RESUME: only the generator's frame counts (_PyFrame_IsIncomplete).
    image.add_thread(7,
                     image.chain({image.make_frame(starting, 2), image.make_frame_owned(gen, 2, kGenerator),
                                  image.make_frame(caller, 1)}));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"produce:32", "consume:51"}));
}

// A 3.14 table laid out like pyxray's compiled-in 3.14 layout.
Table good_table(const Offsets& o) {
    Table t{};
    std::memcpy(t.cookie, pyxray::kDebugCookie, sizeof(t.cookie));
    t.version = kVersion.hex;
    t.runtime_state = {o.runtime_state.interpreters_head + 4096, 0, o.runtime_state.interpreters_head};
    t.interpreter_state.size = 8192;
    t.interpreter_state.id = o.interpreter_state.id;
    t.interpreter_state.next = o.interpreter_state.next;
    t.interpreter_state.threads_head = o.interpreter_state.threads_head;
    t.interpreter_state.threads_main = o.interpreter_state.threads_head + 16;
    t.thread_state.size = 512;
    t.thread_state.next = o.thread_state.next;
    t.thread_state.interp = o.thread_state.interp;
    t.thread_state.current_frame = *o.thread_state.current_frame;
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
    t.type_object = {400, o.type_object.tp_name, 0, 0};
    t.bytes_object = {40, o.bytes_object.ob_size, o.bytes_object.ob_sval};
    t.unicode_object = {o.unicode_object.data_any + 8, o.unicode_object.state, o.unicode_object.length,
                        o.unicode_object.ascii_size};
    t.gc = {64, 8};
    return t;
}

pyxray::Result<const Offsets*> read_table(SyntheticPython& image, const Table& table) {
    image.put_bytes(image.runtime(), &table, sizeof(table));
    auto memory = image.memory();
    return pyxray::read_debug_offsets(*memory, image.runtime(), kVersion, pyxray::offsets_3_14());
}

std::string rejection(const Table& table) {
    SyntheticPython image(pyxray::offsets_3_14());
    auto read = read_table(image, table);
    return read ? "accepted" : read.error().message;
}

TEST(DebugOffsets314, TableAtTheStartOfTheRuntimeIsReadMergedAndWalked) {
    const Offsets& o = pyxray::offsets_3_14();
    SyntheticPython image(o);
    uint64_t code = image.make_code("run", "Job.run", "/j.py", 70);
    uint64_t frame = image.make_frame(code, 4);
    set_executable(image, o, frame, code, kRefcntTag);
    image.add_thread(99, frame);
    Table table = good_table(o);
    auto merged = read_table(image, table);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_NE(*merged, &o);
    EXPECT_EQ((*merged)->runtime_state.interpreters_head, table.runtime_state.interpreters_head);
    EXPECT_EQ((*merged)->interpreter_state.threads_head, table.interpreter_state.threads_head);
    EXPECT_EQ((*merged)->thread_state.native_thread_id, table.thread_state.native_thread_id);
    EXPECT_EQ((*merged)->interpreter_frame.owner, table.interpreter_frame.owner);
    EXPECT_EQ((*merged)->interpreter_frame.size, table.interpreter_frame.localsplus);
    EXPECT_EQ((*merged)->code_object.qualname, table.code_object.qualname);
    // What the table does not describe stays the 3.14 table's.
    EXPECT_EQ((*merged)->interpreter_frame.stackref_tag_bits, o.interpreter_frame.stackref_tag_bits);
    EXPECT_EQ((*merged)->interpreter_frame.owners.c_stack, o.interpreter_frame.owners.c_stack);
    auto threads = walk(image, **merged);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Job.run:74"}));
}

TEST(DebugOffsets314, DamagedTablesAreRefusedByName) {
    const Offsets& o = pyxray::offsets_3_14();
    std::string prefix = "_Py_DebugOffsets at the start of _PyRuntime is not usable: ";
    Table table = good_table(o);
    table.cookie[1] = 'X';
    EXPECT_EQ(rejection(table), prefix + "the cookie is not \"xdebugpy\" (first byte 0x78)");
    table = good_table(o);
    table.version = 0x030d00f0;  // a 3.13 table in a 3.14 process
    EXPECT_EQ(rejection(table), prefix + "its version 0x30d00f0 does not match CPython 3.14.0 (0x30e00f0)");
    table = good_table(o);
    table.thread_state.native_thread_id = table.thread_state.size;
    EXPECT_EQ(rejection(table),
              prefix + fmt::format("thread_state.native_thread_id = {} (8 bytes) is not inside the "
                                   "struct's {} bytes",
                                   table.thread_state.size, table.thread_state.size));
    table = good_table(o);
    table.interpreter_frame.owner = table.interpreter_frame.localsplus;
    EXPECT_EQ(rejection(table),
              prefix + fmt::format("interpreter_frame.owner = {} (1 byte) is not inside the struct's "
                                   "{} bytes",
                                   table.interpreter_frame.localsplus, table.interpreter_frame.localsplus));
}

}  // namespace

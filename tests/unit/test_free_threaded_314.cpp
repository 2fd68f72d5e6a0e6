// Free-threaded CPython 3.14 and 3.15 (`python3.14t`, `python3.15t`) on synthetic images: the
// tables (PEP 703 header, free-threaded stackref tags, the interned byte of str's state),
// nested frames, frames that run a thread-local copy of their bytecode (tlbc_index into
// co_tlbc), a bad tlbc_index reported on the frame's line rather than stopping the walk, and the
// targets' own 3.14/3.15 _Py_DebugOffsets with free_threaded == 1 accepted and merged.
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

using pyxray::BuildKind;
using pyxray::Offsets;
using pyxray::PythonVersion;
using pyxray::PyThread;
using pyxray::testing::SyntheticPython;

const PythonVersion k314 = PythonVersion::from_hex(0x030e02f0);  // 3.14.2
const PythonVersion k315 = PythonVersion::from_hex(0x030f00a2);  // 3.15.0a2
constexpr uint8_t kGenerator = 1, kInterpreter = 3, kThreadState = 4;
constexpr uint64_t kDeferred = 1;  // Py_TAG_DEFERRED: on None, code objects, immortal objects

// f_executable as a deferred _PyStackRef, the way the free-threaded eval loop stores code.
uint64_t deferred(SyntheticPython& image, const Offsets& o, uint64_t frame, uint64_t code) {
    image.put64(frame + o.interpreter_frame.executable, code | kDeferred);
    return frame;
}

uint64_t frame_at(SyntheticPython& image, const Offsets& o, uint64_t code, int unit) {
    return deferred(image, o, image.make_frame(code, unit), code);
}

// The eval-loop entry frame: owned by the interpreter, f_executable PyStackRef_None.
uint64_t make_shim(SyntheticPython& image, const Offsets& o, uint64_t any_code) {
    uint64_t none = image.make_str("None");
    image.put64(none + o.pyobject.ob_type, image.make_type("NoneType"));
    return deferred(image, o, image.make_frame_owned(any_code, 0, kInterpreter), none);
}

TEST(FreeThreaded314, TablesForBothVersionsMoveObjectFieldsAndAddThreadLocalBytecode) {
    for (const auto& [version, ft, gil, tag_bits] :
         {std::tuple{k314, &pyxray::offsets_3_14t(), &pyxray::offsets_3_14(), uint64_t{1}},
          std::tuple{k315, &pyxray::offsets_3_15t(), &pyxray::offsets_3_15(), uint64_t{3}}}) {
        SCOPED_TRACE(version.str());
        auto chosen = pyxray::offsets_for(version, BuildKind::FreeThreaded);
        ASSERT_TRUE(chosen) << chosen.error().message;
        EXPECT_EQ(*chosen, ft);
        EXPECT_EQ(ft->interpreter_frame.stackref_tag_bits, tag_bits);
        // PEP 703's header is 16 bytes longer: ob_type and every object field move.
        EXPECT_EQ(ft->pyobject.ob_type, gil->pyobject.ob_type + 16);
        EXPECT_EQ(ft->code_object.filename, gil->code_object.filename + 16);
        // co_tlbc sits just before co_code_adaptive; tlbc_index pushes return_offset and owner.
        ASSERT_TRUE(ft->code_object.co_tlbc && ft->interpreter_frame.tlbc_index);
        EXPECT_EQ(*ft->code_object.co_tlbc + 8, ft->code_object.co_code_adaptive);
        EXPECT_EQ(ft->code_object.co_code_adaptive, gil->code_object.co_code_adaptive + 16 + 8);
        EXPECT_EQ(ft->interpreter_frame.owner, gil->interpreter_frame.owner + 4);
        EXPECT_LT(*ft->interpreter_frame.tlbc_index, ft->interpreter_frame.owner);
        EXPECT_TRUE(ft->unicode_object.state_interned_byte);
        EXPECT_FALSE(gil->code_object.co_tlbc || gil->interpreter_frame.tlbc_index ||
                     gil->unicode_object.state_interned_byte);
        // The runtime, interpreter and thread-state prefixes do not depend on the build.
        EXPECT_EQ(ft->interpreter_state.threads_head, gil->interpreter_state.threads_head);
        EXPECT_EQ(ft->thread_state.native_thread_id, gil->thread_state.native_thread_id);
        EXPECT_EQ(ft->thread_state.base_frame, gil->thread_state.base_frame);
    }
    EXPECT_FALSE(pyxray::offsets_3_13t().code_object.co_tlbc);  // thread-local bytecode is 3.14's
}

TEST(FreeThreaded314, NestedFramesAcrossEvalCallsWalkWithTheFreeThreadedTableOnly) {
    const Offsets& o = pyxray::offsets_3_14t();
    SyntheticPython image(o);
    uint64_t parse = image.make_code("parse", "Parser.parse", "/srv/p.py", 40);
    uint64_t handle = image.make_code("handle", "handle", "/srv/p.py", 20);
    uint64_t gen = image.make_code("rows", "rows", "/srv/p.py", 60, 16, /*first_traceable=*/3);
    uint64_t main = image.make_code("<module>", "<module>", "/srv/p.py", 1);
    uint64_t gen_frame = deferred(image, o, image.make_frame_owned(gen, 1, kGenerator), gen);
    image.add_thread(7001, image.chain({frame_at(image, o, parse, 3), make_shim(image, o, parse), gen_frame,
                                        frame_at(image, o, handle, 5), frame_at(image, o, main, 2),
                                        make_shim(image, o, main)}));
    image.add_thread(7002, image.chain({frame_at(image, o, parse, 9), make_shim(image, o, parse)}));

    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 2u);
    EXPECT_EQ(threads[0].native_thread_id, 7002u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Parser.parse:49"}));
    EXPECT_EQ(names(threads[1]),
              (std::vector<std::string>{"Parser.parse:43", "rows:61", "handle:25", "<module>:3"}));
    EXPECT_EQ(threads[1].segment_sizes, (std::vector<size_t>{1, 3}));
    for (const auto& thread : threads) {
        EXPECT_FALSE(thread.truncated) << *thread.truncated;
        EXPECT_TRUE(thread.notes.empty());
    }
    // The default 3.14 table looks for ob_type where PEP 703's header keeps ob_ref_shared.
    auto misread = walk(image, pyxray::offsets_3_14());
    ASSERT_EQ(misread.size(), 2u);
    EXPECT_TRUE(misread[0].frames.empty());
    EXPECT_TRUE(misread[0].truncated);
}

TEST(FreeThreaded314, FrameInAThreadLocalCopyTakesItsLineFromThatCopy) {
    for (const Offsets* o : {&pyxray::offsets_3_14t(), &pyxray::offsets_3_15t()}) {
        SyntheticPython image(*o);
        uint64_t hot = image.make_code("hot", "Worker.hot", "/w.py", 100, 16, /*first_traceable=*/4);
        uint64_t caller = image.make_code("run", "Worker.run", "/w.py", 200);
        int32_t first = image.add_thread_copy(hot);
        int32_t second = image.add_thread_copy(hot);
        EXPECT_EQ(first, 1);
        EXPECT_EQ(second, 2);
        // Copy 2 at unit 6; copy 1 stopped before RESUME (incomplete, hidden); the caller in
        // co_code_adaptive itself (index 0).
        uint64_t running = deferred(image, *o, image.make_frame_in_copy(hot, second, 6), hot);
        uint64_t starting = deferred(image, *o, image.make_frame_in_copy(hot, first, 2), hot);
        uint64_t base = frame_at(image, *o, caller, 7);
        image.add_thread(1, image.chain({running, starting, base}));
        auto threads = walk(image, *o);
        ASSERT_EQ(threads.size(), 1u);
        EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Worker.hot:106", "Worker.run:207"}));
        EXPECT_TRUE(threads[0].notes.empty());
    }
}

TEST(FreeThreaded314, BadTlbcIndexLeavesTheLineUnknownWithANoteAndTheWalkGoesOn) {
    const Offsets& o = pyxray::offsets_3_14t();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 10);
    uint64_t older = image.make_code("g", "g", "/a.py", 30);
    image.add_thread_copy(code);  // co_tlbc holds 2 entries
    uint64_t outside = deferred(image, o, image.make_frame_in_copy(code, 7, 1), code);
    uint64_t negative = deferred(image, o, image.make_frame_in_copy(code, -1, 1), code);
    image.add_thread(3, image.chain({outside, negative, frame_at(image, o, older, 4)}));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"f:-1", "f:-1", "g:34"}));
    EXPECT_FALSE(threads[0].truncated) << *threads[0].truncated;
    EXPECT_EQ(
        threads[0].notes,
        (std::vector<std::string>{
            fmt::format("frame at {:#x}: line unknown: thread-local bytecode of f: tlbc_index 7 is "
                        "outside co_tlbc's 2 entries",
                        outside),
            fmt::format("frame at {:#x}: line unknown: thread-local bytecode of f: negative tlbc_index -1",
                        negative)}));
}

TEST(FreeThreaded314, ADeepRunOfBadIndexesIsNotedAFewTimesOnly) {
    const Offsets& o = pyxray::offsets_3_14t();
    SyntheticPython image(o);
    uint64_t code = image.make_code("recurse", "recurse", "/r.py", 1);
    std::vector<uint64_t> frames;
    for (int i = 0; i < 40; ++i)
        frames.push_back(deferred(image, o, image.make_frame_in_copy(code, 5, 1), code));
    image.add_thread(3, image.chain(frames));
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0].frames.size(), 40u);
    ASSERT_EQ(threads[0].notes.size(), 17u);
    EXPECT_EQ(threads[0].notes.back(), "more frames whose line is unknown are not listed");
}

TEST(FreeThreaded314, DamagedCodeArrayIsReportedNotFollowed) {
    const Offsets& o = pyxray::offsets_3_14t();
    SyntheticPython image(o);
    uint64_t code = image.make_code("f", "f", "/a.py", 10);
    int32_t copy = image.add_thread_copy(code);
    uint64_t copies = image.get64(code + *o.code_object.co_tlbc);
    uint64_t frame = deferred(image, o, image.make_frame_in_copy(code, copy, 2), code);
    image.put64(copies + 8 + 8 * copy, 0);  // the copy's entry cleared
    image.add_thread(3, frame);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"f:-1"}));
    ASSERT_EQ(threads[0].notes.size(), 1u);
    EXPECT_NE(threads[0].notes[0].find("co_tlbc entry 1 is NULL"), std::string::npos) << threads[0].notes[0];

    image.put64(copies, uint64_t{1} << 40);  // an absurd size: not trusted, not iterated
    threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    ASSERT_EQ(threads[0].notes.size(), 1u);
    EXPECT_NE(threads[0].notes[0].find("implausible co_tlbc size 1099511627776"), std::string::npos)
        << threads[0].notes[0];
}

TEST(FreeThreaded315, BaseFrameChainsWithTwoTagBitsAndThreadLocalCopies) {
    const Offsets& o = pyxray::offsets_3_15t();
    SyntheticPython image(o);
    uint64_t tick = image.make_code("tick", "Clock.tick", "/c.py", 5);
    uint64_t loop = image.make_code("loop", "loop", "/c.py", 50);
    int32_t copy = image.add_thread_copy(tick);
    uint64_t base = image.make_frame_owned(loop, 0, kThreadState);
    image.put64(base + o.interpreter_frame.executable, kDeferred);  // PyStackRef_NULL
    uint64_t newest = image.chain({deferred(image, o, image.make_frame_in_copy(tick, copy, 3), tick),
                                   make_shim(image, o, tick), frame_at(image, o, loop, 8),
                                   make_shim(image, o, loop), base});
    uint64_t tstate = image.add_thread(15, newest);
    image.put64(tstate + *o.thread_state.base_frame, base);
    auto threads = walk(image, o);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Clock.tick:8", "loop:58"}));
    EXPECT_EQ(threads[0].segment_sizes, (std::vector<size_t>{1, 1}));
    EXPECT_FALSE(threads[0].truncated) << *threads[0].truncated;
}

// A 3.14 or 3.15 _Py_DebugOffsets laid out like `o`, stating `free_threaded`.
template <class Table>
Table table_like(const Offsets& o, const PythonVersion& version, uint64_t free_threaded) {
    Table t{};
    std::memcpy(t.cookie, pyxray::kDebugCookie, sizeof(t.cookie));
    t.version = version.hex;
    t.free_threaded = free_threaded;
    t.runtime_state = {o.runtime_state.interpreters_head + 4096, 0, o.runtime_state.interpreters_head};
    t.interpreter_state.size = 8192;
    t.interpreter_state.id = o.interpreter_state.id;
    t.interpreter_state.next = o.interpreter_state.next;
    t.interpreter_state.threads_head = o.interpreter_state.threads_head;
    t.thread_state.size = 512;
    t.thread_state.next = o.thread_state.next;
    t.thread_state.interp = o.thread_state.interp;
    t.thread_state.current_frame = *o.thread_state.current_frame;
    if constexpr (requires { t.thread_state.base_frame; })
        t.thread_state.base_frame = *o.thread_state.base_frame;
    t.thread_state.thread_id = o.thread_state.thread_id;
    t.thread_state.native_thread_id = o.thread_state.native_thread_id;
    const auto& f = o.interpreter_frame;
    t.interpreter_frame = {f.size + 8, f.previous, f.executable,    f.instr_ptr,
                           f.size,     f.owner,    f.instr_ptr + 8, f.tlbc_index.value_or(0)};
    const auto& c = o.code_object;
    t.code_object = {c.co_code_adaptive + 8, c.filename, c.name, c.qualname, c.linetable,
                     c.firstlineno,          8,          0,      0,          c.co_code_adaptive,
                     c.co_tlbc.value_or(0)};
    t.pyobject = {o.pyobject.ob_type + 8, o.pyobject.ob_type};
    t.type_object.size = 400;
    t.type_object.tp_name = o.type_object.tp_name;
    t.bytes_object = {o.bytes_object.ob_sval + 8, o.bytes_object.ob_size, o.bytes_object.ob_sval};
    t.unicode_object.size = o.unicode_object.data_any + 8;
    t.unicode_object.state = o.unicode_object.state;
    t.unicode_object.length = o.unicode_object.length;
    t.unicode_object.asciiobject_size = o.unicode_object.ascii_size;
    if constexpr (requires { t.unicode_object.compactunicodeobject_size; })
        t.unicode_object.compactunicodeobject_size = o.unicode_object.compact_size;
    return t;
}

template <class Table>
pyxray::Result<const Offsets*> read_table(SyntheticPython& image, const Table& table,
                                          const PythonVersion& version, const Offsets& fallback,
                                          BuildKind kind) {
    image.put_bytes(image.runtime(), &table, sizeof(table));
    auto memory = image.memory();
    return pyxray::read_debug_offsets(*memory, image.runtime(), version, fallback, kind);
}

// A build whose tlbc_index sits in f_locals' slot, and co_tlbc in _co_unique_id's: only the
// target's own table can say so.
Offsets moved_tlbc(const Offsets& ft) {
    Offsets moved = ft;
    moved.interpreter_frame.tlbc_index = ft.interpreter_frame.executable + 40;
    moved.code_object.co_tlbc = ft.code_object.firsttraceable - 8;
    return moved;
}

template <class Table>
void check_free_threaded_table_is_merged(const Offsets& ft, const PythonVersion& version) {
    Offsets moved = moved_tlbc(ft);
    SyntheticPython image(moved);
    uint64_t code = image.make_code("step", "Job.step", "/j.py", 70);
    int32_t copy = image.add_thread_copy(code);
    image.add_thread(9, deferred(image, moved, image.make_frame_in_copy(code, copy, 4), code));
    Table table = table_like<Table>(moved, version, 1);
    auto merged = read_table(image, table, version, ft, BuildKind::FreeThreaded);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ((*merged)->interpreter_frame.tlbc_index, moved.interpreter_frame.tlbc_index);
    EXPECT_EQ((*merged)->code_object.co_tlbc, moved.code_object.co_tlbc);
    EXPECT_EQ((*merged)->pyobject.ob_type, ft.pyobject.ob_type);
    EXPECT_TRUE((*merged)->unicode_object.state_interned_byte);  // the table has no say: kept
    EXPECT_EQ((*merged)->interpreter_frame.stackref_tag_bits, ft.interpreter_frame.stackref_tag_bits);
    auto threads = walk(image, **merged);
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(names(threads[0]), (std::vector<std::string>{"Job.step:74"}));
    // The compiled-in offsets look elsewhere for the index and the copies, and miss the line.
    auto built_in = walk(image, ft);
    ASSERT_EQ(built_in.size(), 1u);
    ASSERT_EQ(built_in[0].frames.size(), 1u);
    EXPECT_NE(built_in[0].frames[0].line, 74);

    // The same table stating a default build is refused for the free-threaded binary.
    table.free_threaded = 0;
    auto refused = read_table(image, table, version, ft, BuildKind::FreeThreaded);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, pyxray::ErrorCode::Unsupported);
    // A tlbc_index the frame read does not cover is refused by name.
    table = table_like<Table>(moved, version, 1);
    table.interpreter_frame.tlbc_index = table.interpreter_frame.localsplus - 2;
    auto outside = read_table(image, table, version, ft, BuildKind::FreeThreaded);
    ASSERT_FALSE(outside);
    EXPECT_EQ(
        outside.error().message,
        fmt::format("_Py_DebugOffsets at the start of _PyRuntime is not usable: interpreter_frame.tlbc_index "
                    "= {} is not inside the frame's {} bytes before localsplus",
                    table.interpreter_frame.tlbc_index, table.interpreter_frame.localsplus));
}

TEST(DebugOffsets314t, FreeThreadedTableIsAcceptedAndItsTlbcOffsetsMerged) {
    check_free_threaded_table_is_merged<pyxray::mirror::DebugOffsets314>(pyxray::offsets_3_14t(), k314);
}

TEST(DebugOffsets315t, FreeThreadedTableIsAcceptedAndItsTlbcOffsetsMerged) {
    check_free_threaded_table_is_merged<pyxray::mirror::DebugOffsets315>(pyxray::offsets_3_15t(), k315);
}

TEST(DebugOffsets314t, DefaultBuildTableLeavesTheTlbcFieldsOut) {
    const Offsets& gil = pyxray::offsets_3_14();
    SyntheticPython image(gil);
    auto table = table_like<pyxray::mirror::DebugOffsets314>(gil, k314, 0);
    table.interpreter_frame.tlbc_index = 8;  // whatever a default build leaves there is ignored
    table.code_object.co_tlbc = 16;
    auto merged = read_table(image, table, k314, gil, BuildKind::Default);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_FALSE((*merged)->interpreter_frame.tlbc_index);
    EXPECT_FALSE((*merged)->code_object.co_tlbc);
}

}  // namespace

// A _Py_DebugOffsets table shaped like CPython 3.13.0's, built from pyxray's own 3.13 table,
// and a synthetic _PyRuntime around it that leads to one interpreter with one thread state.
#pragma once

#include <cstring>
#include <vector>

#include "layout/debug_offsets.hpp"
#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace synthetic {

using Table = pyxray::mirror::DebugOffsets313;

// From the free-threaded table for a 3.13t-shaped one (whose free_threaded flag the caller sets).
inline Table table_313(const pyxray::Offsets& o = pyxray::offsets_3_13()) {
    Table t{};
    std::memcpy(t.cookie, pyxray::kDebugCookie, sizeof(t.cookie));
    t.version = 0x030d00f0;
    t.runtime_state = {4096, 0, o.runtime_state.interpreters_head};
    t.interpreter_state.size = 8192;
    t.interpreter_state.id = o.interpreter_state.id;
    t.interpreter_state.next = o.interpreter_state.next;
    t.interpreter_state.threads_head = o.interpreter_state.threads_head;
    t.thread_state.size = 512;
    t.thread_state.next = o.thread_state.next;
    t.thread_state.interp = o.thread_state.interp;
    t.thread_state.current_frame = *o.thread_state.current_frame;
    t.thread_state.thread_id = o.thread_state.thread_id;
    t.thread_state.native_thread_id = o.thread_state.native_thread_id;
    t.interpreter_frame = {o.interpreter_frame.size + 8,   o.interpreter_frame.previous,
                           o.interpreter_frame.executable, o.interpreter_frame.instr_ptr,
                           o.interpreter_frame.size,       o.interpreter_frame.owner};
    t.code_object.size = o.code_object.co_code_adaptive + 8;
    t.code_object.filename = o.code_object.filename;
    t.code_object.name = o.code_object.name;
    t.code_object.qualname = o.code_object.qualname;
    t.code_object.linetable = o.code_object.linetable;
    t.code_object.firstlineno = o.code_object.firstlineno;
    t.code_object.co_code_adaptive = o.code_object.co_code_adaptive;
    t.pyobject = {o.pyobject.ob_type + 8, o.pyobject.ob_type};
    t.type_object.size = 400;
    t.type_object.tp_name = o.type_object.tp_name;
    t.type_object.tp_flags = o.objects.type.tp_flags;
    const auto& objects = o.objects;
    t.tuple_object = {objects.tuple_object.ob_item + 8, objects.tuple_object.ob_item,
                      objects.tuple_object.ob_size};
    t.list_object = {objects.list_object.ob_item + 16, objects.list_object.ob_item,
                     objects.list_object.ob_size};
    t.dict_object = {objects.dict_object.ma_values + 8, objects.dict_object.ma_keys,
                     objects.dict_object.ma_values};
    t.float_object = {objects.float_object.ob_fval + 8, objects.float_object.ob_fval};
    t.long_object = {objects.long_object.digits + 8, objects.long_object.size_or_tag,
                     objects.long_object.digits};
    t.bytes_object = {o.bytes_object.ob_sval + 8, o.bytes_object.ob_size, o.bytes_object.ob_sval};
    t.unicode_object = {o.unicode_object.data_any + 8, o.unicode_object.state, o.unicode_object.length,
                        o.unicode_object.ascii_size};
    return t;
}

template <class T>
void put(std::vector<std::byte>& bytes, uint64_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(value));
}

// _PyRuntime's first `table.runtime_state.size` bytes at `runtime`, its interpreters_head
// pointing to `interp`; pass interp = 0 for a runtime that leads nowhere.
inline std::vector<std::byte> runtime_bytes(const Table& table, uint64_t interp) {
    std::vector<std::byte> bytes(table.runtime_state.size);
    std::memcpy(bytes.data(), &table, sizeof(table));
    put<uint64_t>(bytes, table.runtime_state.interpreters_head, interp);
    return bytes;
}

// An interpreter (id 0, alone) at `interp` whose one thread state at `thread` points back.
inline void add_interpreter(pyxray::BufferMemory& memory, const Table& table, uint64_t interp,
                            uint64_t thread) {
    std::vector<std::byte> interpreter(table.interpreter_state.size);
    put<int64_t>(interpreter, table.interpreter_state.id, 0);
    put<uint64_t>(interpreter, table.interpreter_state.next, 0);
    put<uint64_t>(interpreter, table.interpreter_state.threads_head, thread);
    memory.add(interp, std::move(interpreter));
    std::vector<std::byte> thread_state(table.thread_state.size);
    put<uint64_t>(thread_state, table.thread_state.interp, interp);
    memory.add(thread, std::move(thread_state));
}

}  // namespace synthetic

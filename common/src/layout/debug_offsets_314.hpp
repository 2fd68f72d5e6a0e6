// _Py_DebugOffsets of CPython 3.14 and 3.15 (Include/internal/pycore_debug_offsets.h), and
// reading either into the shape of 3.13's table plus the fields pyxray uses that 3.13 lacks.
// The table is only stable within a minor version: 3.14 added interpreter_state.threads_main,
// code_object_generation and tlbc_generation, interpreter_frame.stackpointer and tlbc_index,
// code_object.co_tlbc, set_object, gen_object, llist_node and debugger_support; 3.15 (as of
// the pre-release these mirrors follow) adds thread_state.base_frame and the profiler's
// fields, err_stackitem, type_object.tp_basicsize/tp_dictoffset, heap_type_object,
// unicode_object.compactunicodeobject_size and the GC statistics.
#pragma once

#include <cstdint>
#include <optional>

#include "layout/debug_offsets.hpp"
#include "layout/debug_offsets_objects.hpp"

namespace pyxray {
namespace mirror {

struct DebugOffsets314 {
    char cookie[8];
    uint64_t version;
    uint64_t free_threaded;
    struct {
        uint64_t size, finalizing, interpreters_head;
    } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, threads_main, gc, imports_modules, sysdict, builtins,
            ceval_gil, gil_runtime_state, gil_runtime_state_enabled, gil_runtime_state_locked,
            gil_runtime_state_holder, code_object_generation, tlbc_generation;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, thread_id, native_thread_id, datastack_chunk,
            status;
    } thread_state;
    struct {
        uint64_t size, previous, executable, instr_ptr, localsplus, owner, stackpointer, tlbc_index;
    } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno, argcount, localsplusnames,
            localspluskinds, co_code_adaptive, co_tlbc;
    } code_object;
    struct {
        uint64_t size, ob_type;
    } pyobject;
    struct {
        uint64_t size, tp_name, tp_repr, tp_flags;
    } type_object;
    struct {
        uint64_t size, ob_item, ob_size;
    } tuple_object, list_object;
    struct {
        uint64_t size, used, table, mask;
    } set_object;
    struct {
        uint64_t size, ma_keys, ma_values;
    } dict_object;
    struct {
        uint64_t size, ob_fval;
    } float_object;
    struct {
        uint64_t size, lv_tag, ob_digit;
    } long_object;
    struct {
        uint64_t size, ob_size, ob_sval;
    } bytes_object;
    struct {
        uint64_t size, state, length, asciiobject_size;
    } unicode_object;
    struct {
        uint64_t size, collecting;
    } gc;
    struct {
        uint64_t size, gi_name, gi_iframe, gi_frame_state;
    } gen_object;
    struct {
        uint64_t next, prev;
    } llist_node;
    struct {
        uint64_t eval_breaker, remote_debugger_support, remote_debugging_enabled, debugger_pending_call,
            debugger_script_path, debugger_script_path_size;
    } debugger_support;
};

struct DebugOffsets315 {
    char cookie[8];
    uint64_t version;
    uint64_t free_threaded;
    struct {
        uint64_t size, finalizing, interpreters_head;
    } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, threads_main, gc, imports_modules, sysdict, builtins,
            ceval_gil, gil_runtime_state, gil_runtime_state_enabled, gil_runtime_state_locked,
            gil_runtime_state_holder, code_object_generation, tlbc_generation;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, base_frame, last_profiled_frame,
            last_profiled_frame_seq, thread_id, native_thread_id, datastack_chunk, status, holds_gil,
            gil_requested, current_exception, exc_state;
    } thread_state;
    struct {
        uint64_t exc_value;
    } err_stackitem;
    struct {
        uint64_t size, previous, executable, instr_ptr, localsplus, owner, stackpointer, tlbc_index;
    } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno, argcount, localsplusnames,
            localspluskinds, co_code_adaptive, co_tlbc;
    } code_object;
    struct {
        uint64_t size, ob_type;
    } pyobject;
    struct {
        uint64_t size, tp_name, tp_repr, tp_flags, tp_basicsize, tp_dictoffset;
    } type_object;
    struct {
        uint64_t size, ht_cached_keys;
    } heap_type_object;
    struct {
        uint64_t size, ob_item, ob_size;
    } tuple_object, list_object;
    struct {
        uint64_t size, used, table, mask;
    } set_object;
    struct {
        uint64_t size, ma_keys, ma_values;
    } dict_object;
    struct {
        uint64_t size, ob_fval;
    } float_object;
    struct {
        uint64_t size, lv_tag, ob_digit;
    } long_object;
    struct {
        uint64_t size, ob_size, ob_sval;
    } bytes_object;
    struct {
        uint64_t size, state, length, asciiobject_size, compactunicodeobject_size;
    } unicode_object;
    struct {
        uint64_t size, collecting, frame, generation_stats_size, generation_stats;
    } gc;
    struct {
        uint64_t size, gi_name, gi_iframe, gi_frame_state;
    } gen_object;
    struct {
        uint64_t next, prev;
    } llist_node;
    struct {
        uint64_t eval_breaker, remote_debugger_support, remote_debugging_enabled, debugger_pending_call,
            debugger_script_path, debugger_script_path_size;
    } debugger_support;
};

// Every member is a uint64_t after the 8-byte cookie: no padding anywhere.
static_assert(sizeof(DebugOffsets314) == sizeof(uint64_t) * (1 + 2 + 3 + 16 + 9 + 8 + 11 + 2 + 4 + 3 + 3 + 4 +
                                                             3 + 2 + 3 + 3 + 4 + 2 + 4 + 2 + 6));
static_assert(sizeof(DebugOffsets315) == sizeof(uint64_t) * (1 + 2 + 3 + 16 + 16 + 1 + 8 + 11 + 2 + 6 + 2 +
                                                             3 + 3 + 4 + 3 + 2 + 3 + 3 + 5 + 5 + 4 + 2 + 6));

}  // namespace mirror

// A 3.13+ table seen through 3.13's shape, plus what later tables add that pyxray uses.
struct VersionedDebugTable {
    mirror::DebugOffsets313 common;
    std::optional<uint64_t> thread_base_frame;     // 3.15: PyThreadState.base_frame
    std::optional<uint64_t> compact_unicode_size;  // 3.15: sizeof(PyCompactUnicodeObject)
    // 3.14+ free-threaded tables (free_threaded == 1): where the thread-local bytecode is
    // found. A default build's table holds no such fields, so these stay empty for it.
    std::optional<uint64_t> frame_tlbc_index;  // _PyInterpreterFrame.tlbc_index
    std::optional<uint64_t> code_tlbc;         // PyCodeObject.co_tlbc
    LaterObjectDebugFields objects;            // the object decoder's (debug_offsets_objects.hpp)
    // 3.14+: where a coroutine keeps its frame and state, and a frame its stack top (py-tasks
    // reads what a suspended coroutine awaits). Not validated here: tables that leave them zero
    // still describe threads and frames; the asyncio reader checks them before use.
    struct Generator {
        uint64_t size, gi_name, gi_iframe, gi_frame_state;
    };
    std::optional<Generator> gen_object;
    std::optional<uint64_t> frame_stackpointer;  // _PyInterpreterFrame.stackpointer
};

// The table at the start of _PyRuntime, in the layout of `version`'s own _Py_DebugOffsets.
Result<VersionedDebugTable> read_versioned_debug_table(const Memory& memory, uint64_t runtime,
                                                       const PythonVersion& version);

// Checks the fields only later tables have (each inside its struct, sizes within bounds).
Result<void> validate_later_fields(const VersionedDebugTable& table);

// Copies the later tables' own fields into an Offsets already merged from `table.common`.
void merge_later_fields(const VersionedDebugTable& table, Offsets& offsets);

// Projections, exposed for tests that build tables by hand.
mirror::DebugOffsets313 common_part(const mirror::DebugOffsets314& table);
mirror::DebugOffsets313 common_part(const mirror::DebugOffsets315& table);

}  // namespace pyxray

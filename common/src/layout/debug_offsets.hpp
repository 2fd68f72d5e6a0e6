// CPython 3.13's _Py_DebugOffsets (Include/internal/pycore_runtime.h of v3.13.0): the first
// field of _PyRuntime, a table of the offsets an out-of-process debugger needs, written by the
// interpreter itself. Reading it from the target lets pyxray trust the build it is looking at
// (a distribution patch, an odd configure flag) instead of only its own compiled-in table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "layout/offsets.hpp"
#include "pyxray/memory.hpp"

namespace pyxray {
namespace mirror {

// Mirrors _Py_DebugOffsets of 3.13.0 field by field; the layout is only stable within a minor
// version, so 3.14+ needs its own mirror.
struct DebugOffsets313 {
    char cookie[8];
    uint64_t version;
    uint64_t free_threaded;
    struct {
        uint64_t size, finalizing, interpreters_head;
    } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, gc, imports_modules, sysdict, builtins, ceval_gil,
            gil_runtime_state, gil_runtime_state_enabled, gil_runtime_state_locked, gil_runtime_state_holder;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, thread_id, native_thread_id, datastack_chunk,
            status;
    } thread_state;
    struct {
        uint64_t size, previous, executable, instr_ptr, localsplus, owner;
    } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno, argcount, localsplusnames,
            localspluskinds, co_code_adaptive;
    } code_object;
    struct {
        uint64_t size, ob_type;
    } pyobject;
    struct {
        uint64_t size, tp_name, tp_repr, tp_flags;
    } type_object;
    struct {
        uint64_t size, ob_item, ob_size;
    } tuple_object;
    struct {
        uint64_t size, ob_item, ob_size;
    } list_object;
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
};

}  // namespace mirror

inline constexpr char kDebugCookie[8] = {'x', 'd', 'e', 'b', 'u', 'g', 'p', 'y'};

// A field of `width` bytes at `offset` lies inside `size` bytes. Every term is a value from the
// target's table: written without `offset + width`, which a hostile offset wraps past the check.
constexpr bool field_fits(uint64_t offset, uint64_t width, uint64_t size) {
    return width <= size && offset <= size - width;
}

// Checks a _Py_DebugOffsets table: the cookie, a version that matches `version` (the target's
// Py_Version), a free_threaded flag that matches `kind` (a mismatch is Unsupported: the build is
// not what the rest of the evidence says, and no table can be trusted for it), struct sizes
// within sane bounds and every offset inside the struct it belongs to. The message says which
// check failed.
Result<void> validate_debug_offsets(const mirror::DebugOffsets313& table, const PythonVersion& version,
                                    BuildKind kind = BuildKind::Default);

// The build kind the table states, if its cookie and version are right and its free_threaded
// flag is 0 or 1; nothing for a damaged table.
std::optional<BuildKind> build_kind_of(const mirror::DebugOffsets313& table, const PythonVersion& version);

// The raw table at the start of _PyRuntime, unchecked.
Result<mirror::DebugOffsets313> read_debug_offsets_table(const Memory& memory, uint64_t runtime);

// `fallback` with every field the table also holds replaced by the table's value. Fields the
// table lacks (the first traceable instruction, the compact unicode sizes) keep the fallback's.
Offsets merge_debug_offsets(const mirror::DebugOffsets313& table, const Offsets& fallback);

// Reads, validates and merges the table at the start of _PyRuntime. The result lives as long
// as the process (targets with the same table share one copy).
Result<const Offsets*> read_debug_offsets(const Memory& memory, uint64_t runtime,
                                          const PythonVersion& version, const Offsets& fallback,
                                          BuildKind kind = BuildKind::Default);

}  // namespace pyxray

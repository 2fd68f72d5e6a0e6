// Where each field pyxray reads lives, for one CPython version and build. Shaped like
// CPython's own _Py_DebugOffsets (3.13+), so that a table read from the target can fill it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "layout/object_offsets.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

// How a code object's line table maps instructions to lines.
enum class LineTableFormat : uint8_t {
    Lnotab,        // 3.8-3.9 co_lnotab: (byte offset delta, line delta) pairs
    Linetable310,  // 3.10 co_linetable: (byte length, line delta or -128 for none) pairs
    Locations,     // 3.11+ co_linetable, Objects/locations.md
};

// 3.8-3.10 PyFrameObject: every executing Python call has one, linked by f_back, and each
// runs in its own _PyEval_EvalFrameDefault call.
struct FrameObjectOffsets {
    uint64_t size;  // bytes to read to cover every field below
    uint64_t back;
    uint64_t code;
    uint64_t trace;
    uint64_t lasti;
    uint64_t lineno;
    bool lasti_counts_code_units;  // 3.10: f_lasti indexes 2-byte code units, not bytes
    LineTableFormat line_table;
};

// The frame owner numbers (enum _frameowner) the walker needs; CPython renumbered them in
// 3.14 (FRAME_OWNED_BY_INTERPRETER inserted at 3) and 3.15 (FRAME_OWNED_BY_CSTACK dropped,
// FRAME_OWNED_BY_THREAD_STATE added). The defaults are 3.12's and 3.13's.
struct FrameOwners {
    uint8_t generator = 1;               // FRAME_OWNED_BY_GENERATOR: never incomplete
    uint8_t shim = 3;                    // the entry frame each _PyEval_EvalFrameDefault call pushes
    std::optional<uint8_t> c_stack;      // 3.14 FRAME_OWNED_BY_CSTACK: not Python, no eval call
    std::optional<uint8_t> thread_base;  // 3.15 FRAME_OWNED_BY_THREAD_STATE: each thread's base frame
};

// What `--locals` and `py-print` read: where a frame keeps its variables and namespaces, and
// how its code object names them. One shape for the frame objects of 3.8-3.10 and the
// interpreter frames of 3.11+.
struct FrameVariableOffsets {
    uint64_t localsplus;        // the frame's first fast-local slot
    uint64_t locals;            // f_locals: the namespace of unoptimized code (module, class body)
    uint64_t globals;           // f_globals
    uint64_t builtins;          // f_builtins
    uint64_t code_flags;        // co_flags (CO_OPTIMIZED)
    uint64_t code_local_names;  // 3.11+ co_localsplusnames; 3.8-3.10 co_varnames
    std::optional<uint64_t> code_local_kinds;  // 3.11+ co_localspluskinds
    std::optional<uint64_t> code_cell_names;   // 3.8-3.10 co_cellvars
    std::optional<uint64_t> code_free_names;   // 3.8-3.10 co_freevars
    // The value stack: co_stacksize slots after the fast locals. 3.8-3.10 point at it with
    // f_valuestack and keep no top while a frame runs; 3.11-3.13 save the top as an index
    // from localsplus (3.12+: -1 once the frame runs again), 3.14+ as a pointer (NULL alike).
    uint64_t code_stacksize;
    std::optional<uint64_t> valuestack;
    std::optional<uint64_t> stacktop_index;
    std::optional<uint64_t> stackpointer;
    // 3.12-3.13: while a `with` runs __enter__, its slot still holds the context manager (the
    // generated BEFORE_WITH stores __exit__ after the call); 3.8-3.11 store __exit__ first,
    // 3.14+ call __enter__ with the manager as self.
    bool manager_on_stack_in_enter = false;
};

// Where a thread's status is kept (py-threads): the GIL, the GC's running flag, sys.modules.
// Grouped so the version tables and the _Py_DebugOffsets merge fill them in one place.
struct ThreadStatusOffsets {
    // 3.8-3.11: one GIL for the process, _PyRuntime.ceval.gil, inline. 3.12+ (PEP 684, a GIL
    // per interpreter): PyInterpreterState.ceval.gil points at the interpreter's GIL.
    bool gil_in_runtime = false;
    uint64_t gil = 0;              // in _PyRuntimeState (inline GIL) or PyInterpreterState (pointer)
    uint64_t gil_last_holder = 0;  // in struct _gil_runtime_state: the PyThreadState* holding it last
    uint64_t gil_locked = 0;       // in struct _gil_runtime_state: int, 1 while taken
    // Free-threaded builds (Py_GIL_DISABLED): _gil_runtime_state.enabled, 0 while there is no GIL.
    std::optional<uint64_t> gil_enabled;
    // 3.8: _PyRuntime.gc.collecting; 3.9+ (bpo-40533, a GC per interpreter):
    // PyInterpreterState.gc.collecting. An int, 1 while a collection runs.
    bool gc_in_runtime = false;
    uint64_t gc_collecting = 0;
    // PyInterpreterState.modules (3.8-3.11), .imports.modules (3.12+): the sys.modules dict.
    uint64_t modules = 0;
};

// The garbage collector's generation lists (the heap census): each a circular list of
// PyGC_Head linked by _gc_next, the object right after its head. Free-threaded builds keep none.
struct GcListOffsets {
    // 3.8: one collector in _PyRuntime.gc; 3.9+ (bpo-40533): PyInterpreterState.gc.
    bool in_runtime = false;
    // struct _gc_runtime_state in either; 3.14+ tables leave it to the target's _Py_DebugOffsets.
    std::optional<uint64_t> state;
    uint64_t head_size = 0;  // sizeof(PyGC_Head)
    uint64_t next_mask = 0;  // _gc_next's flag bits (NEXT_MASK_UNREACHABLE, during a collection)
    // Each list's head in the state, youngest first: three generations (3.14.0-3.14.4's
    // incremental collector: young, old[0], old[1]), then the permanent one of gc.freeze().
    uint64_t lists[4] = {};
    bool incremental = false;
};

// Where a thread state keeps the exception it is raising and the stack of those it is handling
// (the innermost _PyErr_StackItem whose exc_value is set is what sys.exc_info() reports).
struct ExceptionStateOffsets {
    uint64_t raised_value = 0;            // 3.12+ current_exception, before it curexc_value
    std::optional<uint64_t> raised_type;  // 3.8-3.11 curexc_type
    uint64_t exc_info = 0;                // PyThreadState.exc_info: the innermost _PyErr_StackItem*
    uint64_t item_value = 0;              // _PyErr_StackItem.exc_value
    uint64_t item_previous = 0;           // _PyErr_StackItem.previous_item
};

struct Offsets {
    struct {
        uint64_t interpreters_head;
    } runtime_state;
    struct {
        uint64_t next;
        uint64_t threads_head;
        uint64_t id;
    } interpreter_state;
    struct {
        uint64_t next;
        uint64_t interp;
        uint64_t thread_id;
        uint64_t native_thread_id;
        std::optional<uint64_t> cframe;  // 3.11-3.12: tstate->cframe->current_frame is the newest frame
        std::optional<uint64_t> current_frame;  // 3.13+: tstate->current_frame, no _PyCFrame
        std::optional<uint64_t> frame;          // 3.8-3.10: tstate->frame, the newest PyFrameObject
        std::optional<uint64_t> base_frame;     // 3.15+: tstate->base_frame, the bottom of every chain
    } thread_state;
    struct {
        uint64_t current_frame;
    } cframe;
    struct {
        uint64_t size;  // bytes to read to cover every field below
        uint64_t executable;
        uint64_t previous;
        uint64_t instr_ptr;  // prev_instr in 3.11-3.12: the code unit before the next one
        uint64_t owner;
        std::optional<uint64_t> is_entry;         // 3.11 marks entry frames with a flag
        bool executable_may_be_non_code = false;  // 3.13 f_executable: "code object or None"
        uint64_t stackref_tag_bits = 0;           // 3.14+: Py_TAG_BITS, set in the _PyStackRef f_executable
        FrameOwners owners{};
        // Free-threaded 3.14+: the int32_t index of the thread-local bytecode copy instr_ptr is in.
        std::optional<uint64_t> tlbc_index;
    } interpreter_frame;
    struct {
        uint64_t size;  // bytes up to and including co_code_adaptive's offset
        uint64_t filename;
        uint64_t name;
        uint64_t qualname;
        uint64_t linetable;
        uint64_t firstlineno;
        uint64_t firsttraceable;
        uint64_t co_code_adaptive;
        // Free-threaded 3.14+: the _PyCodeArray of thread-local bytecode copies (entry 0 is
        // co_code_adaptive).
        std::optional<uint64_t> co_tlbc;
    } code_object;
    struct {
        uint64_t ob_type;
    } pyobject;
    struct {
        uint64_t tp_name;
    } type_object;
    struct {
        uint64_t state;
        uint64_t length;
        uint64_t ascii_size;    // sizeof(PyASCIIObject): compact ASCII data follows
        uint64_t compact_size;  // sizeof(PyCompactUnicodeObject): compact non-ASCII data follows
        uint64_t data_any;      // PyUnicodeObject.data.any, for legacy strings
        // Free-threaded 3.14+: state.interned is a whole byte before kind, compact and ascii
        // (mirror::FreeThreadedUnicodeState), not two bits.
        bool state_interned_byte = false;
    } unicode_object;
    struct {
        uint64_t ob_size;
        uint64_t ob_sval;
    } bytes_object;
    // 3.8-3.10 only (see legacy_frames.hpp); 3.11+ tables leave it empty.
    std::optional<FrameObjectOffsets> frame_object;
    // Empty when neither pyxray's mirrors nor the target's _Py_DebugOffsets say where they are.
    std::optional<ThreadStatusOffsets> thread_status;
    std::optional<GcListOffsets> gc_lists;
    // Empty for a table built without PyThreadState's exception fields.
    std::optional<ExceptionStateOffsets> exception_state;

    // ---- the object decoder (objects/, issue 4): layout/object_offsets.hpp ----
    ObjectLayouts objects{};
    RefcountOffsets refcount{};
    FrameVariableOffsets frame_variables{};
};

// Frame owners (pycore_frame.h). 3.12 added FRAME_OWNED_BY_CSTACK for the shim frame that
// each _PyEval_EvalFrameDefault call pushes below its first Python frame.
// 3.12-3.13 numbering; the walker takes each version's from Offsets::interpreter_frame.owners.
enum class FrameOwner : uint8_t { Thread = 0, Generator = 1, FrameObject = 2, CStack = 3 };

struct PythonVersion {
    int major = 0;
    int minor = 0;
    int micro = 0;  // -1 when only major.minor is known (before 3.11, without Py_Version)
    uint32_t hex = 0;
    static PythonVersion from_hex(uint32_t hex);
    std::string str() const;
};

// Default builds, or free-threaded ones (Py_GIL_DISABLED, PEP 703: `python3.13t`), whose
// object header is bigger and moves every object struct's fields.
enum class BuildKind : uint8_t { Default, FreeThreaded };

// Whether pyxray has no table for `version` and never will: before 3.8.
bool predates_supported_versions(const PythonVersion& version);
// "CPython 3.6 is not supported (3.8 and later)": the Unsupported error for such a version.
Error too_old_version_error(const PythonVersion& version);

// The compiled-in table for a version and build, or an Unsupported error naming what is supported.
Result<const Offsets*> offsets_for(const PythonVersion& version, BuildKind kind = BuildKind::Default);

const Offsets& offsets_3_8();
const Offsets& offsets_3_9();
const Offsets& offsets_3_10();
const Offsets& offsets_3_11();
const Offsets& offsets_3_12();
const Offsets& offsets_3_13();
const Offsets& offsets_3_13t();
const Offsets& offsets_3_14();
const Offsets& offsets_3_14t();
const Offsets& offsets_3_15();
const Offsets& offsets_3_15t();

}  // namespace pyxray

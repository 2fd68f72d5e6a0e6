// CPython 3.8 layout, mirrored from the v3.8 headers: Include/internal/pycore_pystate.h
// (_PyRuntimeState, PyInterpreterState), Include/cpython/pystate.h, frameobject.h, code.h,
// cpython/unicodeobject.h. Only the leading fields pyxray reads are mirrored.
#include <cstddef>
#include <cstdint>

#include "layout/legacy_offsets_from_mirrors.hpp"
#include "layout/object_layout_mirrors.hpp"
#include "layout/object_mirrors.hpp"

namespace pyxray {
namespace {
struct Mirrors {
    using ObjectHead = mirror::ObjectHead;
    using VarObjectHead = mirror::VarObjectHead;
    using UnicodeState = mirror::UnicodeState;
    using PyObject = mirror::PyObject;
    using Py_ssize_t = mirror::Py_ssize_t;
    using Py_hash_t = mirror::Py_hash_t;
    struct PyThreadState;
    struct PyInterpreterState;
    struct FrameObject;
    using GilRuntimeState = mirror::GilRuntimeState;

    static constexpr LineTableFormat kLineTable = LineTableFormat::Lnotab;
    static constexpr bool kLastiCountsCodeUnits = false;

    struct RuntimeState {
        int preinitializing;
        int preinitialized;
        int core_initialized;
        int initialized;
        PyThreadState* finalizing;
        struct {
            void* mutex;
            PyInterpreterState* head;
            PyInterpreterState* main;
            int64_t next_id;
        } interpreters;
        mirror::XidRegistry xidregistry;
        unsigned long main_thread;
        void (*exitfuncs[mirror::kExitFuncs])(void);
        int nexitfuncs;
        mirror::GcRuntimeState gc;  // 3.8 only: one collector for the process
        struct {
            int recursion_limit;
            int tracing_possible;
            int eval_breaker;      // _Py_atomic_int
            int gil_drop_request;  // _Py_atomic_int
            mirror::PendingCalls38 pending;
            int signals_pending;  // _Py_atomic_int
            GilRuntimeState gil;
        } ceval;
    };

    struct PyInterpreterState {
        PyInterpreterState* next;
        PyThreadState* tstate_head;
        int64_t id;
        int64_t id_refcount;
        int requires_idref;
        void* id_mutex;
        int finalizing;
        PyObject* modules;
    };

    struct ErrStackItem {
        PyObject* exc_type;
        PyObject* exc_value;
        PyObject* exc_traceback;
        ErrStackItem* previous_item;
    };

    struct PyThreadState {
        PyThreadState* prev;
        PyThreadState* next;
        PyInterpreterState* interp;
        FrameObject* frame;
        int recursion_depth;
        char overflowed;
        char recursion_critical;
        int stackcheck_counter;
        int tracing;
        int use_tracing;
        void* c_profilefunc;
        void* c_tracefunc;
        PyObject* c_profileobj;
        PyObject* c_traceobj;
        PyObject* curexc_type;
        PyObject* curexc_value;
        PyObject* curexc_traceback;
        ErrStackItem exc_state;
        ErrStackItem* exc_info;
        PyObject* dict;
        int gilstate_counter;
        PyObject* async_exc;
        unsigned long thread_id;
    };

    static constexpr int kMaxBlocks = 20;  // CO_MAXBLOCKS
    struct TryBlock {                      // PyTryBlock
        int b_type;
        int b_handler;
        int b_level;
    };

    struct FrameObject {
        VarObjectHead ob_base;
        FrameObject* f_back;
        PyObject* f_code;
        PyObject* f_builtins;
        PyObject* f_globals;
        PyObject* f_locals;
        PyObject** f_valuestack;
        PyObject** f_stacktop;
        PyObject* f_trace;
        char f_trace_lines;
        char f_trace_opcodes;
        PyObject* f_gen;
        int f_lasti;
        int f_lineno;
        int f_iblock;
        char f_executing;
        TryBlock f_blockstack[kMaxBlocks];
        PyObject* f_localsplus[1];
    };

    struct CodeObject {
        ObjectHead ob_base;
        int co_argcount;
        int co_posonlyargcount;
        int co_kwonlyargcount;
        int co_nlocals;
        int co_stacksize;
        int co_flags;
        int co_firstlineno;
        PyObject* co_code;
        PyObject* co_consts;
        PyObject* co_names;
        PyObject* co_varnames;
        PyObject* co_freevars;
        PyObject* co_cellvars;
        Py_ssize_t* co_cell2arg;
        PyObject* co_filename;
        PyObject* co_name;
        PyObject* co_lnotab;
    };

    struct ASCIIObject {
        ObjectHead ob_base;
        Py_ssize_t length;
        Py_hash_t hash;
        UnicodeState state;
        wchar_t* wstr;
    };

    struct CompactUnicodeObject {
        ASCIIObject _base;
        Py_ssize_t utf8_length;
        char* utf8;
        Py_ssize_t wstr_length;
    };

    struct UnicodeObject {
        CompactUnicodeObject _base;
        void* data_any;
    };
};

constexpr Offsets kOffsets =
    with_object_layouts<mirror::ObjectHead, 8>(legacy_offsets_from_mirrors<Mirrors>());
}  // namespace

const Offsets& offsets_3_8() { return kOffsets; }

}  // namespace pyxray

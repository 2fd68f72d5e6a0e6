// CPython 3.10 layout, mirrored from the v3.10 headers: Include/internal/pycore_runtime.h,
// pycore_interp.h, Include/cpython/pystate.h, cpython/frameobject.h, cpython/code.h,
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

    // bpo-43933/PEP 626: 3.10 replaced co_lnotab with co_linetable and counts f_lasti in
    // code units (PyFrame_GetLineNumber passes f_lasti * sizeof(_Py_CODEUNIT)).
    static constexpr LineTableFormat kLineTable = LineTableFormat::Linetable310;
    static constexpr bool kLastiCountsCodeUnits = true;

    struct RuntimeState {
        int preinitializing;
        int preinitialized;
        int core_initialized;
        int initialized;
        uintptr_t _finalizing;  // _Py_atomic_address
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
        mirror::RuntimeCeval39 ceval;
    };

    struct PyInterpreterState {
        PyInterpreterState* next;
        PyThreadState* tstate_head;
        RuntimeState* runtime;
        int64_t id;
        int64_t id_refcount;
        int requires_idref;
        void* id_mutex;
        int finalizing;
        mirror::InterpreterCeval310 ceval;
        mirror::GcRuntimeState gc;  // 3.9+: one collector per interpreter
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
        int recursion_headroom;
        int stackcheck_counter;
        int tracing;
        void* cframe;
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
        PyObject* f_trace;
        int f_stackdepth;
        char f_trace_lines;
        char f_trace_opcodes;
        PyObject* f_gen;
        int f_lasti;
        int f_lineno;
        int f_iblock;
        signed char f_state;  // PyFrameState
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
        PyObject* co_linetable;
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
    with_object_layouts<mirror::ObjectHead, 10>(legacy_offsets_from_mirrors<Mirrors>());
}  // namespace

const Offsets& offsets_3_10() { return kOffsets; }

}  // namespace pyxray

// CPython 3.12 layout, mirrored from the v3.12 headers: Include/internal/pycore_runtime.h,
// pycore_interp.h, pycore_frame.h, Include/cpython/pystate.h, code.h, unicodeobject.h.
// 3.12 moved f_code to the front of _PyInterpreterFrame, dropped is_entry for shim frames
// (gh-100762), dropped PyASCIIObject.wstr (PEP 623) and moved PyInterpreterState.id first.
#include <cstddef>

#include "layout/object_layout_mirrors.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets_from_mirrors.hpp"

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
    struct InterpreterFrame;
    using GilRuntimeState = mirror::GilRuntimeState;

    struct RuntimeState {
        int _initialized;
        int preinitializing;
        int preinitialized;
        int core_initialized;
        int initialized;
        void* _finalizing;
        struct {
            void* mutex;
            PyInterpreterState* head;
            PyInterpreterState* main;
            int64_t next_id;
        } interpreters;
    };

    struct PyInterpreterState {
        PyInterpreterState* next;
        int64_t id;
        int64_t id_refcount;
        int requires_idref;
        void* id_mutex;
        int _initialized;
        int finalizing;
        uint64_t monitoring_version;
        uint64_t last_restart_version;
        struct {
            uint64_t next_unique_id;
            PyThreadState* head;
            long count;
            size_t stacksize;
        } threads;
        RuntimeState* runtime;
        uintptr_t _finalizing;  // _Py_atomic_address
        mirror::GcRuntimeState gc;
        PyObject* sysdict;
        PyObject* builtins;
        struct {
            int eval_breaker;      // _Py_atomic_int
            int gil_drop_request;  // _Py_atomic_int
            int recursion_limit;
            GilRuntimeState* gil;  // the interpreter's own _gil, or the main interpreter's
            int own_gil;
            int gc_scheduled;  // _Py_atomic_int
            mirror::PendingCalls312 pending;
        } ceval;
        struct {
            PyObject* modules;
        } imports;
    };

    struct CFrame {
        InterpreterFrame* current_frame;
        CFrame* previous;
    };

    struct PyThreadState {
        PyThreadState* prev;
        PyThreadState* next;
        PyInterpreterState* interp;
        unsigned int _status;  // a struct of 32 one-bit flags in the header
        int py_recursion_remaining;
        int py_recursion_limit;
        int c_recursion_remaining;
        int recursion_headroom;
        int tracing;
        int what_event;
        CFrame* cframe;
        void* c_profilefunc;
        void* c_tracefunc;
        PyObject* c_profileobj;
        PyObject* c_traceobj;
        PyObject* current_exception;
        void* exc_info;
        PyObject* dict;
        int gilstate_counter;
        PyObject* async_exc;
        unsigned long thread_id;
        unsigned long native_thread_id;
    };

    struct InterpreterFrame {
        PyObject* f_code;
        InterpreterFrame* previous;
        PyObject* f_funcobj;
        PyObject* f_globals;
        PyObject* f_builtins;
        PyObject* f_locals;
        PyObject* frame_obj;
        uint16_t* prev_instr;
        int stacktop;
        uint16_t return_offset;
        char owner;
        PyObject* localsplus[1];
    };

    struct CodeObject {
        VarObjectHead ob_base;
        PyObject* co_consts;
        PyObject* co_names;
        PyObject* co_exceptiontable;
        int co_flags;
        int co_argcount;
        int co_posonlyargcount;
        int co_kwonlyargcount;
        int co_stacksize;
        int co_firstlineno;
        int co_nlocalsplus;
        int co_framesize;
        int co_nlocals;
        int co_ncellvars;
        int co_nfreevars;
        uint32_t co_version;
        PyObject* co_localsplusnames;
        PyObject* co_localspluskinds;
        PyObject* co_filename;
        PyObject* co_name;
        PyObject* co_qualname;
        PyObject* co_linetable;
        PyObject* co_weakreflist;
        void* _co_cached;
        uint64_t _co_instrumentation_version;
        void* _co_monitoring;
        int _co_firsttraceable;
        void* co_extra;
        char co_code_adaptive[1];
    };

    struct ASCIIObject {
        ObjectHead ob_base;
        Py_ssize_t length;
        Py_hash_t hash;
        UnicodeState state;
    };

    struct CompactUnicodeObject {
        ASCIIObject _base;
        Py_ssize_t utf8_length;
        char* utf8;
    };

    struct UnicodeObject {
        CompactUnicodeObject _base;
        void* data_any;
    };
};

constexpr Offsets kOffsets = with_object_layouts<mirror::ObjectHead, 12>(offsets_from_mirrors<Mirrors>());
}  // namespace

const Offsets& offsets_3_12() { return kOffsets; }

}  // namespace pyxray

// CPython 3.14 layout (default build), mirrored from the 3.14 headers: Include/internal/
// pycore_runtime_structs.h, pycore_interp_structs.h, pycore_interpframe_structs.h,
// pycore_stackref.h, Include/cpython/pystate.h, code.h, unicodeobject.h.
// 3.14 made f_executable (and f_funcobj, localsplus) a _PyStackRef, a tagged pointer; inserted
// FRAME_OWNED_BY_INTERPRETER at 3, before FRAME_OWNED_BY_CSTACK, and moved the entry frame of
// _PyEval_EvalFrameDefault onto it; added _malloced to PyInterpreterState, holds_gil to
// PyThreadState (dropping c_recursion_remaining), _co_unique_id to code objects and
// stackpointer to frames; and grew _Py_DebugOffsets (debug_offsets_314.hpp).
#include <cstddef>

#include "layout/debug_offsets_314.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets_from_mirrors.hpp"

namespace pyxray {
namespace {

// enum _frameowner (pycore_interpframe_structs.h).
constexpr uint8_t kOwnedByGenerator = 1;
constexpr uint8_t kOwnedByInterpreter = 3;
constexpr uint8_t kOwnedByCStack = 4;
// Py_TAG_BITS of the default build (pycore_stackref.h): the reference-count tag bit
// Py_TAG_REFCNT, set on references to immortal and borrowed objects such as None.
constexpr uint64_t kTagBits = 1;

struct Mirrors {
    using ObjectHead = mirror::ObjectHead;
    using VarObjectHead = mirror::VarObjectHead;
    using UnicodeState = mirror::UnicodeState;
    using PyObject = mirror::PyObject;
    using Py_ssize_t = mirror::Py_ssize_t;
    using Py_hash_t = mirror::Py_hash_t;
    using PyMutex = uint8_t;
    struct PyThreadState;
    struct PyInterpreterState;
    struct InterpreterFrame;

    union StackRef {
        uintptr_t bits;
    };

    struct RuntimeState {
        mirror::DebugOffsets314 debug_offsets;
        int _initialized;
        int preinitializing;
        int preinitialized;
        int core_initialized;
        int initialized;
        PyThreadState* _finalizing;
        unsigned long _finalizing_id;
        struct {
            PyMutex mutex;
            PyInterpreterState* head;
            PyInterpreterState* main;
            int64_t next_id;
        } interpreters;
    };

    static constexpr int kPendingCallsArraySize = 300;  // PENDINGCALLSARRAYSIZE

    struct PendingCalls {
        PyThreadState* handling_thread;
        PyMutex mutex;
        int32_t npending;
        int32_t max;
        int32_t maxloop;
        struct {
            void* func;
            void* arg;
            int flags;
        } calls[kPendingCallsArraySize];
        int first;
        int next;
    };

    struct CevalState {
        uintptr_t instrumentation_version;
        int recursion_limit;
        void* gil;
        int own_gil;
        PendingCalls pending;
    };

    struct PyInterpreterState {
        CevalState ceval;
        void* _malloced;
        PyInterpreterState* next;
        int64_t id;
        Py_ssize_t id_refcount;
        int requires_idref;
        long _whence;
        int _initialized;
        int _ready;
        int finalizing;
        uintptr_t last_restart_version;
        struct {
            uint64_t next_unique_id;
            PyThreadState* head;
            void* preallocated;
            PyThreadState* main;
            Py_ssize_t count;
            size_t stacksize;
        } threads;
    };

    struct PyThreadState {
        PyThreadState* prev;
        PyThreadState* next;
        PyInterpreterState* interp;
        uintptr_t eval_breaker;
        unsigned int _status;  // a struct of one-bit flags padded to 32 bits in the header
        int holds_gil;
        int _whence;
        int state;
        int py_recursion_remaining;
        int py_recursion_limit;
        int recursion_headroom;
        int tracing;
        int what_event;
        InterpreterFrame* current_frame;
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
        StackRef f_executable;
        InterpreterFrame* previous;
        StackRef f_funcobj;
        PyObject* f_globals;
        PyObject* f_builtins;
        PyObject* f_locals;
        PyObject* frame_obj;
        uint16_t* instr_ptr;
        StackRef* stackpointer;
        uint16_t return_offset;
        char owner;
        uint8_t visited;
        StackRef localsplus[1];
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
        void* co_executors;
        void* _co_cached;
        uintptr_t _co_instrumentation_version;
        void* _co_monitoring;
        Py_ssize_t _co_unique_id;
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

// What the headers state: "This field must be first" (pyruntimestate.debug_offsets), and
// _PyStackRef is a union of one uintptr_t.
static_assert(offsetof(Mirrors::RuntimeState, debug_offsets) == 0);
static_assert(sizeof(Mirrors::StackRef) == sizeof(uintptr_t));

constexpr Offsets make_offsets() {
    Offsets o = offsets_from_mirrors<Mirrors>();
    o.interpreter_frame.stackref_tag_bits = kTagBits;
    o.interpreter_frame.owners = FrameOwners{kOwnedByGenerator, kOwnedByInterpreter, kOwnedByCStack, {}};
    return o;
}

constexpr Offsets kOffsets = make_offsets();
}  // namespace

const Offsets& offsets_3_14() { return kOffsets; }

}  // namespace pyxray

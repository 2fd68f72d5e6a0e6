// CPython 3.14 struct mirrors, for the default build (v3_14.cpp) and the free-threaded one
// (v3_14t.cpp), from the 3.14 headers: Include/internal/pycore_runtime_structs.h,
// pycore_interp_structs.h, pycore_interpframe_structs.h, pycore_stackref.h,
// Include/cpython/pystate.h, code.h, unicodeobject.h, Include/object.h.
// 3.14 made f_executable (and f_funcobj, localsplus) a _PyStackRef, a tagged pointer; inserted
// FRAME_OWNED_BY_INTERPRETER at 3, before FRAME_OWNED_BY_CSTACK, and moved the entry frame of
// _PyEval_EvalFrameDefault onto it; added _malloced to PyInterpreterState, holds_gil to
// PyThreadState (dropping c_recursion_remaining), _co_unique_id to code objects and
// stackpointer to frames; and grew _Py_DebugOffsets (debug_offsets_314.hpp).
//
// What Py_GIL_DISABLED changes in these prefixes (each checked in the stored CPython copies the
// search tool reads; no 3.14 release tag could be read, nor a 3.14t interpreter run here):
// - the object header (object.h): PEP 703's, as in 3.13t, with `_padding` renamed ob_flags:
//   same layout (mirror::FreeThreadedObjectHead);
// - thread-local bytecode (gh-115999): `int32_t tlbc_index` after the frame's stackpointer
//   (pycore_interpframe_structs.h at 111e70cb, the same struct in 3.14 and 3.15) and
//   `_PyCodeArray *co_tlbc` between co_extra and co_code_adaptive (code.h's
//   _PyCode_DEF_THREAD_LOCAL_BYTECODE); both also in 3.14's _Py_DebugOffsets (tlbc_index,
//   co_tlbc), as pystack's 3.14 bindings read them;
// - PyASCIIObject.state: `unsigned char interned` first (unicodeobject.h of 3.14.0, and
//   pystack's Python3_14t::_PyUnicode_State);
// - _PyStackRef tags (pycore_stackref.h at e74f84c9): Py_TAG_DEFERRED = Py_TAG_BITS = 1, the
//   same bit as the default build's Py_TAG_REFCNT.
// The runtime, interpreter and thread-state prefixes have no Py_GIL_DISABLED field
// (pycore_interp_structs.h: the free-threaded members come after `threads`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "layout/debug_offsets_314.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets_from_mirrors.hpp"

namespace pyxray::mirror {

template <class Head, bool kFreeThreaded>
struct Mirrors314 {
    using ObjectHead = Head;
    using VarObjectHead = mirror::VarObjectHeadOf<Head>;
    using UnicodeState = std::conditional_t<kFreeThreaded, FreeThreadedUnicodeState, mirror::UnicodeState>;
    using PyObject = mirror::PyObject;
    using Py_ssize_t = mirror::Py_ssize_t;
    using Py_hash_t = mirror::Py_hash_t;
    using PyMutex = uint8_t;
    template <class T>
    using FreeThreadedOnly = std::conditional_t<kFreeThreaded, T, Absent>;
    using GcRuntimeState = mirror::GcRuntimeState314;  // its place in PyInterpreterState: _Py_DebugOffsets
    struct PyThreadState;
    struct PyInterpreterState;
    struct InterpreterFrame;

    union StackRef {
        uintptr_t bits;
    };

    struct CodeArray {  // _PyCodeArray, free-threaded only
        Py_ssize_t size;
        char* entries[1];
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
        [[no_unique_address]] FreeThreadedOnly<int32_t> tlbc_index;
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
        [[no_unique_address]] FreeThreadedOnly<CodeArray*> co_tlbc;
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
// _PyStackRef is a union of one uintptr_t; and where the free-threaded fields go: the absent
// ones take no room, the present ones push what follows.
template <class M>
constexpr bool check_mirrors_314(bool free_threaded) {
    using Frame = typename M::InterpreterFrame;
    using Code = typename M::CodeObject;
    uint64_t frame_extra = free_threaded ? sizeof(int32_t) : 0;
    uint64_t code_extra = free_threaded ? sizeof(void*) : 0;
    return offsetof(typename M::RuntimeState, debug_offsets) == 0 &&
           sizeof(typename M::StackRef) == sizeof(uintptr_t) &&
           offsetof(Frame, return_offset) == offsetof(Frame, stackpointer) + sizeof(void*) + frame_extra &&
           offsetof(Code, co_code_adaptive) == offsetof(Code, co_extra) + sizeof(void*) + code_extra;
}

}  // namespace pyxray::mirror

namespace pyxray {

// The free-threaded fields a build's mirrors have, into its table.
template <class M, bool kFreeThreaded>
constexpr void add_free_threaded_fields(Offsets& o) {
    if constexpr (kFreeThreaded) {
        o.interpreter_frame.tlbc_index = offsetof(typename M::InterpreterFrame, tlbc_index);
        o.code_object.co_tlbc = offsetof(typename M::CodeObject, co_tlbc);
        o.unicode_object.state_interned_byte = true;
    }
}

}  // namespace pyxray

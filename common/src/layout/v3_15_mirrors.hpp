// CPython 3.15 struct mirrors, for the default build (v3_15.cpp) and the free-threaded one
// (v3_15t.cpp), from the 3.15 pre-release headers (3.15.0a2+ to the alphas with lazy imports):
// Include/internal/pycore_runtime_structs.h, pycore_interp_structs.h,
// pycore_interpframe_structs.h, pycore_stackref.h, pycore_tstate.h, Include/cpython/pystate.h,
// code.h, unicodeobject.h. Against 3.14 (v3_14_mirrors.hpp): the enum _frameowner drops
// FRAME_OWNED_BY_CSTACK and adds FRAME_OWNED_BY_THREAD_STATE, the owner of the base frame
// embedded in each _PyThreadStateImpl at the bottom of its thread's chain
// (PyThreadState.base_frame points at it); PyThreadState gains gil_requested, base_frame and
// the sampling profiler's last_profiled_frame; PyInterpreterState loses _malloced; the
// stackref tag constants are shared by both builds (Py_TAG_BITS 3, Py_INT_TAG 3).
//
// Py_GIL_DISABLED changes the same things as in 3.14 (v3_14_mirrors.hpp): the PEP 703 object
// header, the frame's `int32_t tlbc_index` after stackpointer (pycore_interpframe_structs.h at
// 111e70cb, the 3.15 header with FRAME_OWNED_BY_THREAD_STATE), co_tlbc before
// co_code_adaptive, and the string state's interned byte (unchanged from 3.14 in the copies
// read). Its stackref tags (pycore_stackref.h, the 3.15 copy with Py_TAG_BITS 3 at the top):
// Py_TAG_DEFERRED is Py_TAG_REFCNT, and references are untagged with ~Py_TAG_BITS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "layout/debug_offsets_314.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets_from_mirrors.hpp"

namespace pyxray::mirror {

template <class Head, bool kFreeThreaded>
struct Mirrors315 {
    using ObjectHead = Head;
    using VarObjectHead = mirror::VarObjectHeadOf<Head>;
    using UnicodeState = std::conditional_t<kFreeThreaded, FreeThreadedUnicodeState, mirror::UnicodeState>;
    using PyObject = mirror::PyObject;
    using Py_ssize_t = mirror::Py_ssize_t;
    using Py_hash_t = mirror::Py_hash_t;
    using PyMutex = uint8_t;
    template <class T>
    using FreeThreadedOnly = std::conditional_t<kFreeThreaded, T, Absent>;
    using GcRuntimeState = mirror::GcRuntimeState315;  // its place in PyInterpreterState: _Py_DebugOffsets
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
        mirror::DebugOffsets315 debug_offsets;
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
        int gil_requested;
        int _whence;
        int state;
        int py_recursion_remaining;
        int py_recursion_limit;
        int recursion_headroom;
        int tracing;
        int what_event;
        InterpreterFrame* current_frame;
        InterpreterFrame* base_frame;
        InterpreterFrame* last_profiled_frame;
        uintptr_t last_profiled_frame_seq;
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

// The checks v3_14_mirrors.hpp makes, on 3.15's mirrors.
template <class M>
constexpr bool check_mirrors_315(bool free_threaded) {
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

// CPython 3.13 struct mirrors, from the v3.13.0 headers: Include/internal/pycore_runtime.h,
// pycore_interp.h, pycore_ceval_state.h, pycore_frame.h, Include/cpython/pystate.h, code.h,
// unicodeobject.h, lock.h.
// 3.13 put _Py_DebugOffsets first in _PyRuntimeState, dropped _PyCFrame for
// PyThreadState.current_frame, renamed f_code to f_executable ("code object or
// None") and prev_instr to instr_ptr (the instruction executing), moved the
// _ceval_state to the front of PyInterpreterState and added co_executors to code objects.
//
// `Head` is the object header: the default build's (v3_13.cpp) or the free-threaded one
// (v3_13t.cpp). Besides the GIL's and the GC's structs (the GIL's leading `enabled`, the GC's
// trailing `immortalize`: kFreeThreaded below), nothing else in these prefixes depends on
// Py_GIL_DISABLED in 3.13: its #ifdefs in the headers above guard fields after the mirrored
// prefixes (PyInterpreterState's mimalloc/brc state, _PyThreadStateImpl's extras), macros and
// inline functions only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "layout/debug_offsets.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/thread_status_mirrors.hpp"

namespace pyxray::mirror {

template <class Head>
struct Mirrors313 {
    using ObjectHead = Head;
    using VarObjectHead = mirror::VarObjectHeadOf<Head>;
    using UnicodeState = mirror::UnicodeState;
    using PyObject = mirror::PyObject;
    using Py_ssize_t = mirror::Py_ssize_t;
    using Py_hash_t = mirror::Py_hash_t;
    using PyMutex = uint8_t;
    // Py_GIL_DISABLED puts `enabled` first in the GIL's struct and `immortalize` last in the GC's.
    static constexpr bool kFreeThreaded = std::is_same_v<Head, mirror::FreeThreadedObjectHead>;
    using GilRuntimeState =
        std::conditional_t<kFreeThreaded, mirror::FreeThreadedGilRuntimeState, mirror::GilRuntimeState>;
    struct PyThreadState;
    struct PyInterpreterState;
    struct InterpreterFrame;

    struct RuntimeState {
        mirror::DebugOffsets313 debug_offsets;
        int _initialized;
        int preinitializing;
        int preinitialized;
        int core_initialized;
        int initialized;
        void* _finalizing;
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
        int64_t id_refcount;
        int requires_idref;
        void* id_mutex;
        long _whence;
        int _initialized;
        int _ready;
        int finalizing;
        uintptr_t last_restart_version;
        struct {
            uint64_t next_unique_id;
            PyThreadState* head;
            PyThreadState* main;
            Py_ssize_t count;
            size_t stacksize;
        } threads;
        void* runtime;
        PyThreadState* _finalizing;
        unsigned long _finalizing_id;
        mirror::GcRuntimeStateOf<kFreeThreaded> gc;
        PyObject* sysdict;
        PyObject* builtins;
        struct {
            PyObject* modules;
        } imports;
        GilRuntimeState _gil;
    };

    struct PyThreadState {
        PyThreadState* prev;
        PyThreadState* next;
        PyInterpreterState* interp;
        uintptr_t eval_breaker;
        unsigned int _status;  // a struct of one-bit flags padded to 32 bits in the header
        int _whence;
        int state;
        int py_recursion_remaining;
        int py_recursion_limit;
        int c_recursion_remaining;
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
        PyObject* f_executable;
        InterpreterFrame* previous;
        PyObject* f_funcobj;
        PyObject* f_globals;
        PyObject* f_builtins;
        PyObject* f_locals;
        PyObject* frame_obj;
        uint16_t* instr_ptr;
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
        void* co_executors;
        void* _co_cached;
        uintptr_t _co_instrumentation_version;
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

}  // namespace pyxray::mirror

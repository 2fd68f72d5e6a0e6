// CPython 3.11 layout, mirrored from the v3.11 headers: Include/internal/pycore_runtime.h,
// pycore_interp.h, pycore_frame.h, Include/cpython/pystate.h, code.h, unicodeobject.h.
// Debian's Py_DEBUG build (python3.11d) shares it: Py_DEBUG changes none of these structs
// (only Py_TRACE_REFS would, and neither Debian nor pyenv builds with it).
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
        mirror::XidRegistry xidregistry;
        unsigned long main_thread;
        void (*exitfuncs[mirror::kExitFuncs])(void);
        int nexitfuncs;
        mirror::RuntimeCeval39 ceval;
    };

    struct PyInterpreterState {
        PyInterpreterState* next;
        struct {
            uint64_t next_unique_id;
            PyThreadState* head;
            long count;
            size_t stacksize;
        } threads;
        RuntimeState* runtime;
        int64_t id;
        int64_t id_refcount;
        int requires_idref;
        void* id_mutex;
        int _initialized;
        int finalizing;
        bool _static;
        mirror::InterpreterCeval310 ceval;
        mirror::GcRuntimeState gc;
        PyObject* modules;
    };

    struct CFrame {
        uint8_t use_tracing;
        InterpreterFrame* current_frame;
        CFrame* previous;
    };

    struct PyThreadState {
        PyThreadState* prev;
        PyThreadState* next;
        PyInterpreterState* interp;
        int _initialized;
        int _static;
        int recursion_remaining;
        int recursion_limit;
        int recursion_headroom;
        int tracing;
        int tracing_what;
        CFrame* cframe;
        void* c_profilefunc;
        void* c_tracefunc;
        PyObject* c_profileobj;
        PyObject* c_traceobj;
        PyObject* curexc_type;
        PyObject* curexc_value;
        PyObject* curexc_traceback;
        void* exc_info;
        PyObject* dict;
        int gilstate_counter;
        PyObject* async_exc;
        unsigned long thread_id;
        unsigned long native_thread_id;
    };

    struct InterpreterFrame {
        PyObject* f_func;
        PyObject* f_globals;
        PyObject* f_builtins;
        PyObject* f_locals;
        PyObject* f_code;
        PyObject* frame_obj;
        InterpreterFrame* previous;
        uint16_t* prev_instr;
        int stacktop;
        bool is_entry;
        char owner;
        PyObject* localsplus[1];
    };

    struct CodeObject {
        VarObjectHead ob_base;
        PyObject* co_consts;
        PyObject* co_names;
        PyObject* co_exceptiontable;
        int co_flags;
        short co_warmup;
        short _co_linearray_entry_size;
        int co_argcount;
        int co_posonlyargcount;
        int co_kwonlyargcount;
        int co_stacksize;
        int co_firstlineno;
        int co_nlocalsplus;
        int co_nlocals;
        int co_nplaincellvars;
        int co_ncellvars;
        int co_nfreevars;
        PyObject* co_localsplusnames;
        PyObject* co_localspluskinds;
        PyObject* co_filename;
        PyObject* co_name;
        PyObject* co_qualname;
        PyObject* co_linetable;
        PyObject* co_weakreflist;
        PyObject* _co_code;
        char* _co_linearray;
        int _co_firsttraceable;
        void* co_extra;
        char co_code_adaptive[1];
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

constexpr Offsets kOffsets = with_object_layouts<mirror::ObjectHead, 11>(offsets_from_mirrors<Mirrors>());
}  // namespace

const Offsets& offsets_3_11() { return kOffsets; }

}  // namespace pyxray

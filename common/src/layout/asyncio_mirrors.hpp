// Struct mirrors of Modules/_asynciomodule.c's FutureObj and TaskObj (FutureObj_HEAD expanded
// in place, as the C macro does, so that 3.13+'s bit-fields pack as CPython's do) and of its
// FutureIter, per CPython version, generic over the object header. 3.8-3.13 agree with the
// offsets seen in live Task objects (test_asyncio_offsets.cpp); 3.14-3.15 follow the C text.
#pragma once

#include <cstdint>

#include "layout/object_mirrors.hpp"

namespace pyxray::mirror::asyncio {

struct ErrStackItem39 {  // _PyErr_StackItem of 3.9-3.10: fut_cancelled_exc_state
    PyObject* exc_type;
    PyObject* exc_value;
    PyObject* exc_traceback;
    void* previous_item;
};

struct LlistNode {  // struct llist_node, 3.14+
    LlistNode* next;
    LlistNode* prev;
};

#define PYXRAY_FUTURE_HEAD_38                                                                       \
    Head head;                                                                                      \
    PyObject *fut_loop, *fut_callback0, *fut_context0, *fut_callbacks, *fut_exception, *fut_result, \
        *fut_source_tb;                                                                             \
    int fut_state, fut_log_tb, fut_blocking;                                                        \
    PyObject *dict, *fut_weakreflist;

#define PYXRAY_FUTURE_HEAD_39                                                                       \
    Head head;                                                                                      \
    PyObject *fut_loop, *fut_callback0, *fut_context0, *fut_callbacks, *fut_exception, *fut_result, \
        *fut_source_tb, *fut_cancel_msg;                                                            \
    int fut_state, fut_log_tb, fut_blocking;                                                        \
    PyObject *dict, *fut_weakreflist;                                                               \
    ErrStackItem39 fut_cancelled_exc_state;

#define PYXRAY_FUTURE_HEAD_310                                                                            \
    Head head;                                                                                            \
    PyObject *fut_loop, *fut_callback0, *fut_context0, *fut_callbacks, *fut_exception, *fut_exception_tb, \
        *fut_result, *fut_source_tb, *fut_cancel_msg;                                                     \
    int fut_state, fut_log_tb, fut_blocking;                                                              \
    PyObject *dict, *fut_weakreflist;                                                                     \
    ErrStackItem39 fut_cancelled_exc_state;

#define PYXRAY_FUTURE_HEAD_311                                                                            \
    Head head;                                                                                            \
    PyObject *fut_loop, *fut_callback0, *fut_context0, *fut_callbacks, *fut_exception, *fut_exception_tb, \
        *fut_result, *fut_source_tb, *fut_cancel_msg;                                                     \
    int fut_state, fut_log_tb, fut_blocking;                                                              \
    PyObject *dict, *fut_weakreflist, *fut_cancelled_exc;

// 3.13: managed dict and weakrefs; the flags become bit-fields a Task's own share.
#define PYXRAY_FUTURE_HEAD_313                                                                            \
    Head head;                                                                                            \
    PyObject *fut_loop, *fut_callback0, *fut_context0, *fut_callbacks, *fut_exception, *fut_exception_tb, \
        *fut_result, *fut_source_tb, *fut_cancel_msg, *fut_cancelled_exc;                                 \
    int fut_state;                                                                                        \
    unsigned fut_log_tb : 1;                                                                              \
    unsigned fut_blocking : 1;

#define PYXRAY_FUTURE_HEAD_314                                                                            \
    Head head;                                                                                            \
    PyObject *fut_loop, *fut_callback0, *fut_context0, *fut_callbacks, *fut_exception, *fut_exception_tb, \
        *fut_result, *fut_source_tb, *fut_cancel_msg, *fut_cancelled_exc, *fut_awaited_by;                \
    int fut_state;                                                                                        \
    char fut_is_task, fut_awaited_by_is_set;                                                              \
    unsigned fut_log_tb : 1;                                                                              \
    unsigned fut_blocking : 1;

template <class Head>
struct Future38 {
    PYXRAY_FUTURE_HEAD_38
};
template <class Head>
struct Task38 {
    PYXRAY_FUTURE_HEAD_38
    PyObject *task_fut_waiter, *task_coro, *task_name, *task_context;
    int task_must_cancel, task_log_destroy_pending;
};

template <class Head>
struct Future39 {
    PYXRAY_FUTURE_HEAD_39
};
template <class Head>
struct Task39 {
    PYXRAY_FUTURE_HEAD_39
    PyObject *task_fut_waiter, *task_coro, *task_name, *task_context;
    int task_must_cancel, task_log_destroy_pending;
};

template <class Head>
struct Future310 {
    PYXRAY_FUTURE_HEAD_310
};
template <class Head>
struct Task310 {
    PYXRAY_FUTURE_HEAD_310
    PyObject *task_fut_waiter, *task_coro, *task_name, *task_context;
    int task_must_cancel, task_log_destroy_pending;
};

template <class Head>
struct Future311 {  // 3.11 and 3.12
    PYXRAY_FUTURE_HEAD_311
};
template <class Head>
struct Task311 {
    PYXRAY_FUTURE_HEAD_311
    PyObject *task_fut_waiter, *task_coro, *task_name, *task_context;
    int task_must_cancel, task_log_destroy_pending, task_num_cancels_requested;
};

template <class Head>
struct Future313 {
    PYXRAY_FUTURE_HEAD_313
};
template <class Head>
struct Task313 {
    PYXRAY_FUTURE_HEAD_313
    unsigned task_must_cancel : 1;
    unsigned task_log_destroy_pending : 1;
    int task_num_cancels_requested;
    PyObject *task_fut_waiter, *task_coro, *task_name, *task_context;
};

template <class Head>
struct TaskTid {};
template <>
struct TaskTid<FreeThreadedObjectHead> {
    uintptr_t task_tid;
};

template <class Head>
struct Future314 {  // 3.14 and 3.15
    PYXRAY_FUTURE_HEAD_314
};
template <class Head>
struct Task314 {
    PYXRAY_FUTURE_HEAD_314
    unsigned task_must_cancel : 1;
    unsigned task_log_destroy_pending : 1;
    int task_num_cancels_requested;
    PyObject *task_fut_waiter, *task_coro, *task_name, *task_context;
    LlistNode task_node;
    [[no_unique_address]] TaskTid<Head> tid;  // Py_GIL_DISABLED: the creating thread's id
};

// The generator/coroutine object head (_PyGenObject_HEAD, Include/cpython/genobject.h, 3.11+
// pycore_genobject.h's shape): where a suspended coroutine keeps its frame and qualname.
struct ErrStackItem311 {  // _PyErr_StackItem of 3.11+: exc_value, previous_item
    PyObject* exc_value;
    void* previous_item;
};

template <class Head>
struct Gen38 {  // 3.8 and 3.9
    Head head;
    void* gi_frame;  // PyFrameObject*, NULL once finished
    char gi_running;
    PyObject *gi_code, *gi_weakreflist, *gi_name, *gi_qualname;
    ErrStackItem39 gi_exc_state;
};

template <class Head>
struct Gen310 {
    Head head;
    void* gi_frame;
    PyObject *gi_code, *gi_weakreflist, *gi_name, *gi_qualname;
    ErrStackItem39 gi_exc_state;
};

template <class Head>
struct Gen311 {  // the frame is embedded at gi_iframe
    Head head;
    PyObject *gi_code, *gi_weakreflist, *gi_name, *gi_qualname;
    ErrStackItem311 gi_exc_state;
    PyObject* gi_origin_or_finalizer;
    char gi_hooks_inited, gi_closed, gi_running_async;
    int8_t gi_frame_state;
    PyObject* gi_iframe[1];
};

template <class Head>
struct Gen312 {  // 3.12 and 3.13: gi_code left for the frame's f_executable
    Head head;
    PyObject *gi_weakreflist, *gi_name, *gi_qualname;
    ErrStackItem311 gi_exc_state;
    PyObject* gi_origin_or_finalizer;
    char gi_hooks_inited, gi_closed, gi_running_async;
    int8_t gi_frame_state;
    PyObject* gi_iframe[1];
};

// PyFrameObject's value stack (3.8-3.10, Include/cpython/frameobject.h): what a suspended
// `await` left on top of it is what the coroutine awaits (_PyGen_yf).
struct FrameObject38 {  // 3.8 and 3.9
    VarObjectHeadOf<ObjectHead> ob_base;
    void *f_back, *f_code;
    PyObject *f_builtins, *f_globals, *f_locals;
    PyObject** f_valuestack;
    PyObject** f_stacktop;  // NULL while the frame runs
};

struct FrameObject310 {
    VarObjectHeadOf<ObjectHead> ob_base;
    void *f_back, *f_code;
    PyObject *f_builtins, *f_globals, *f_locals;
    PyObject** f_valuestack;
    PyObject* f_trace;
    int f_stackdepth;  // saved at suspension
    char f_trace_lines, f_trace_opcodes;
    PyObject* f_gen;
    int f_lasti, f_lineno, f_iblock;
    int8_t f_state;  // PyFrameState: -1 FRAME_SUSPENDED
};

// _PyInterpreterFrame's stack top (pycore_frame.h, 3.11-3.13): an index into localsplus.
struct InterpreterFrame311 {
    PyObject *f_func, *f_globals, *f_builtins, *f_locals, *f_code, *frame_obj, *previous;
    void* prev_instr;
    int stacktop;
};
struct InterpreterFrame312 {  // 3.12 and 3.13 (f_executable, instr_ptr: same places)
    PyObject *f_code, *previous, *f_funcobj, *f_globals, *f_builtins, *f_locals, *frame_obj;
    void* prev_instr;
    int stacktop;
};

// 3.14+ (pycore_interpframe_structs.h): a pointer to one past the stack's top _PyStackRef.
struct InterpreterFrame314 {
    uintptr_t f_executable;
    void* previous;
    uintptr_t f_funcobj;
    PyObject *f_globals, *f_builtins, *f_locals, *frame_obj;
    void* instr_ptr;
    uintptr_t* stackpointer;
};

#undef PYXRAY_FUTURE_HEAD_38
#undef PYXRAY_FUTURE_HEAD_39
#undef PYXRAY_FUTURE_HEAD_310
#undef PYXRAY_FUTURE_HEAD_311
#undef PYXRAY_FUTURE_HEAD_313
#undef PYXRAY_FUTURE_HEAD_314

template <class Head>
struct FutureIter {  // every version: what `await future` leaves on the awaiting frame's stack
    Head head;
    PyObject* future;
};

}  // namespace pyxray::mirror::asyncio

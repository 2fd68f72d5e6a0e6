// Builds the Offsets table of a CPython 3.8-3.10 build with offsetof over that version's struct
// mirrors. `M` names: RuntimeState, PyInterpreterState, PyThreadState, FrameObject, CodeObject,
// ASCIIObject, CompactUnicodeObject, UnicodeObject, and kLineTable, kLastiCountsCodeUnits.
//
// What 3.11+ has and these versions lack stays out of the table: no _PyInterpreterFrame, no
// _PyCFrame chain to the newest frame, no native_thread_id (left 0: thread_states.cpp never reads
// it when frame_object is set), no co_qualname (co_name stands in), no _co_firsttraceable and
// no inline code units.
#pragma once

#include <cstddef>

#include "layout/exception_state_mirrors.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets.hpp"
#include "layout/refcount_offsets.hpp"
#include "layout/thread_status_mirrors.hpp"

namespace pyxray {

template <class M>
constexpr FrameObjectOffsets frame_object_offsets() {
    using Frame = typename M::FrameObject;
    FrameObjectOffsets f{};
    f.back = offsetof(Frame, f_back);
    f.code = offsetof(Frame, f_code);
    f.trace = offsetof(Frame, f_trace);
    f.lasti = offsetof(Frame, f_lasti);
    f.lineno = offsetof(Frame, f_lineno);
    f.size = offsetof(Frame, f_lineno) + sizeof(int);
    f.lasti_counts_code_units = M::kLastiCountsCodeUnits;
    f.line_table = M::kLineTable;
    return f;
}

// Before 3.11 a frame object holds co_nlocals fast locals, then one cell per co_cellvars name,
// then one per co_freevars name, all in f_localsplus.
template <class M>
constexpr FrameVariableOffsets legacy_frame_variable_offsets() {
    using Frame = typename M::FrameObject;
    using Code = typename M::CodeObject;
    FrameVariableOffsets v{};
    v.localsplus = offsetof(Frame, f_localsplus);
    v.locals = offsetof(Frame, f_locals);
    v.globals = offsetof(Frame, f_globals);
    v.builtins = offsetof(Frame, f_builtins);
    v.code_flags = offsetof(Code, co_flags);
    v.code_local_names = offsetof(Code, co_varnames);
    v.code_cell_names = offsetof(Code, co_cellvars);
    v.code_free_names = offsetof(Code, co_freevars);
    v.code_stacksize = offsetof(Code, co_stacksize);
    v.valuestack = offsetof(Frame, f_valuestack);
    return v;
}

template <class M>
constexpr Offsets legacy_offsets_from_mirrors() {
    using Code = typename M::CodeObject;
    using Ascii = typename M::ASCIIObject;
    Offsets o{};
    o.runtime_state.interpreters_head = offsetof(typename M::RuntimeState, interpreters.head);
    o.interpreter_state.next = offsetof(typename M::PyInterpreterState, next);
    o.interpreter_state.threads_head = offsetof(typename M::PyInterpreterState, tstate_head);
    o.interpreter_state.id = offsetof(typename M::PyInterpreterState, id);
    o.thread_state.next = offsetof(typename M::PyThreadState, next);
    o.thread_state.interp = offsetof(typename M::PyThreadState, interp);
    o.thread_state.thread_id = offsetof(typename M::PyThreadState, thread_id);
    o.thread_state.frame = offsetof(typename M::PyThreadState, frame);
    if constexpr (requires { &M::PyThreadState::cframe; })  // 3.10
        o.thread_state.cframe = offsetof(typename M::PyThreadState, cframe);
    o.frame_object = frame_object_offsets<M>();
    o.code_object.filename = offsetof(Code, co_filename);
    o.code_object.name = offsetof(Code, co_name);
    o.code_object.qualname = offsetof(Code, co_name);  // no co_qualname before 3.11
    if constexpr (requires { &Code::co_lnotab; })
        o.code_object.linetable = offsetof(Code, co_lnotab);
    else
        o.code_object.linetable = offsetof(Code, co_linetable);
    o.code_object.firstlineno = offsetof(Code, co_firstlineno);
    o.code_object.size = o.code_object.linetable + sizeof(void*);
    o.pyobject.ob_type = offsetof(mirror::ObjectHead, ob_type);
    o.refcount = refcount_offsets<mirror::ObjectHead>();
    o.type_object.tp_name = offsetof(mirror::TypeObjectPrefix, tp_name);
    o.unicode_object.length = offsetof(Ascii, length);
    o.unicode_object.state = offsetof(Ascii, state);
    o.unicode_object.ascii_size = sizeof(Ascii);
    o.unicode_object.compact_size = sizeof(typename M::CompactUnicodeObject);
    o.unicode_object.data_any = offsetof(typename M::UnicodeObject, data_any);
    o.bytes_object.ob_size = offsetof(mirror::VarObjectHead, ob_size);
    o.bytes_object.ob_sval = offsetof(mirror::BytesObject, ob_sval);
    o.frame_variables = legacy_frame_variable_offsets<M>();
    fill_thread_status<M>(o);
    o.gc_lists = gc_lists_from_mirrors<M>();
    o.exception_state = exception_state_from_mirrors<M>();
    return o;
}

}  // namespace pyxray

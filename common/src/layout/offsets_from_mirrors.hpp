// Builds an Offsets table with offsetof over one version's struct mirrors, so no offset is
// ever typed by hand. `M` names the mirrors: ObjectHead (optional), RuntimeState,
// PyInterpreterState, PyThreadState, CFrame (3.11-3.12 only), InterpreterFrame, CodeObject,
// ASCIIObject, CompactUnicodeObject, UnicodeObject.
#pragma once

#include <cstddef>
#include <type_traits>

#include "layout/exception_state_mirrors.hpp"
#include "layout/object_mirrors.hpp"
#include "layout/offsets.hpp"
#include "layout/refcount_offsets.hpp"
#include "layout/thread_status_mirrors.hpp"

namespace pyxray {

// The object header M's objects start with: M::ObjectHead (free-threaded builds have their
// own), or the default one.
template <class M>
struct ObjectHeadOf {
    using type = mirror::ObjectHead;
};
template <class M>
requires requires { typename M::ObjectHead; }
struct ObjectHeadOf<M> {
    using type = typename M::ObjectHead;
};

template <class Frame, class Code>
constexpr FrameVariableOffsets frame_variable_offsets() {
    FrameVariableOffsets v{};
    v.localsplus = offsetof(Frame, localsplus);
    v.locals = offsetof(Frame, f_locals);
    v.globals = offsetof(Frame, f_globals);
    v.builtins = offsetof(Frame, f_builtins);
    v.code_flags = offsetof(Code, co_flags);
    v.code_local_names = offsetof(Code, co_localsplusnames);
    v.code_local_kinds = offsetof(Code, co_localspluskinds);
    v.code_stacksize = offsetof(Code, co_stacksize);
    if constexpr (requires { &Frame::stackpointer; })
        v.stackpointer = offsetof(Frame, stackpointer);
    else
        v.stacktop_index = offsetof(Frame, stacktop);
    // 3.12-3.13: an int stacktop and no is_entry (3.11 has both, 3.14 a stackpointer).
    v.manager_on_stack_in_enter = v.stacktop_index && !requires { &Frame::is_entry; };
    return v;
}

template <class M>
constexpr Offsets offsets_from_mirrors() {
    using Head = typename ObjectHeadOf<M>::type;
    using Frame = typename M::InterpreterFrame;
    using Code = typename M::CodeObject;
    using Ascii = typename M::ASCIIObject;
    Offsets o{};
    o.runtime_state.interpreters_head = offsetof(typename M::RuntimeState, interpreters.head);
    o.interpreter_state.next = offsetof(typename M::PyInterpreterState, next);
    o.interpreter_state.threads_head = offsetof(typename M::PyInterpreterState, threads.head);
    o.interpreter_state.id = offsetof(typename M::PyInterpreterState, id);
    o.thread_state.next = offsetof(typename M::PyThreadState, next);
    o.thread_state.interp = offsetof(typename M::PyThreadState, interp);
    o.thread_state.thread_id = offsetof(typename M::PyThreadState, thread_id);
    o.thread_state.native_thread_id = offsetof(typename M::PyThreadState, native_thread_id);
    if constexpr (requires { typename M::CFrame; }) {
        o.thread_state.cframe = offsetof(typename M::PyThreadState, cframe);
        o.cframe.current_frame = offsetof(typename M::CFrame, current_frame);
    } else {
        o.thread_state.current_frame = offsetof(typename M::PyThreadState, current_frame);
    }
    o.interpreter_frame.size = offsetof(Frame, localsplus);
    if constexpr (requires { &Frame::f_executable; }) {
        o.interpreter_frame.executable = offsetof(Frame, f_executable);
        o.interpreter_frame.executable_may_be_non_code = true;
    } else {
        o.interpreter_frame.executable = offsetof(Frame, f_code);
    }
    o.interpreter_frame.previous = offsetof(Frame, previous);
    if constexpr (requires { &Frame::instr_ptr; })
        o.interpreter_frame.instr_ptr = offsetof(Frame, instr_ptr);
    else
        o.interpreter_frame.instr_ptr = offsetof(Frame, prev_instr);
    o.interpreter_frame.owner = offsetof(Frame, owner);
    if constexpr (requires { &Frame::is_entry; }) o.interpreter_frame.is_entry = offsetof(Frame, is_entry);
    o.code_object.size = offsetof(Code, co_code_adaptive);
    o.code_object.filename = offsetof(Code, co_filename);
    o.code_object.name = offsetof(Code, co_name);
    o.code_object.qualname = offsetof(Code, co_qualname);
    o.code_object.linetable = offsetof(Code, co_linetable);
    o.code_object.firstlineno = offsetof(Code, co_firstlineno);
    o.code_object.firsttraceable = offsetof(Code, _co_firsttraceable);
    o.code_object.co_code_adaptive = offsetof(Code, co_code_adaptive);
    o.pyobject.ob_type = offsetof(Head, ob_type);
    o.refcount = refcount_offsets<Head>();
    o.type_object.tp_name = offsetof(mirror::TypeObjectPrefixOf<Head>, tp_name);
    o.unicode_object.length = offsetof(Ascii, length);
    o.unicode_object.state = offsetof(Ascii, state);
    o.unicode_object.ascii_size = sizeof(Ascii);
    o.unicode_object.compact_size = sizeof(typename M::CompactUnicodeObject);
    o.unicode_object.data_any = offsetof(typename M::UnicodeObject, data_any);
    o.bytes_object.ob_size = offsetof(mirror::VarObjectHeadOf<Head>, ob_size);
    o.bytes_object.ob_sval = offsetof(mirror::BytesObjectOf<Head>, ob_sval);
    o.frame_variables = frame_variable_offsets<Frame, Code>();
    fill_thread_status<M>(o);
    // Free-threaded builds link no GC lists: their objects are found in mimalloc's heaps.
    if constexpr (!std::is_same_v<Head, mirror::FreeThreadedObjectHead>)
        o.gc_lists = gc_lists_from_mirrors<M>();
    o.exception_state = exception_state_from_mirrors<M>();
    return o;
}

}  // namespace pyxray

// Where a thread state keeps its exceptions, from each version's PyThreadState mirror and its
// _PyErr_StackItem (Include/cpython/pystate.h of v3.8.18 to v3.13.0, and of the 3.14 and 3.15
// headers the 3.14/3.15 mirrors come from).
#pragma once

#include <cstddef>

#include "layout/object_mirrors.hpp"
#include "layout/offsets.hpp"

namespace pyxray::mirror {

// _PyErr_StackItem of 3.11+: bpo-45711 dropped exc_type and exc_traceback (both derive from
// the exception object now). 3.8-3.10 mirrors define their own, with all three.
struct ErrStackItem311 {
    PyObject* exc_value;
    ErrStackItem311* previous_item;
};

}  // namespace pyxray::mirror

namespace pyxray {

template <class M>
struct ErrStackItemOf {
    using type = mirror::ErrStackItem311;
};
template <class M>
requires requires { typename M::ErrStackItem; }
struct ErrStackItemOf<M> {
    using type = typename M::ErrStackItem;
};

// 3.12+ keeps the exception being raised in current_exception (gh-102192 folded the
// curexc_type/value/traceback triple into it); before, curexc_value holds it, and curexc_type
// its type (the value may still be unnormalized: NULL or a plain argument).
template <class M>
constexpr ExceptionStateOffsets exception_state_from_mirrors() {
    using State = typename M::PyThreadState;
    using Item = typename ErrStackItemOf<M>::type;
    ExceptionStateOffsets e{};
    if constexpr (requires { &State::current_exception; }) {
        e.raised_value = offsetof(State, current_exception);
    } else {
        e.raised_value = offsetof(State, curexc_value);
        e.raised_type = offsetof(State, curexc_type);
    }
    e.exc_info = offsetof(State, exc_info);
    e.item_value = offsetof(Item, exc_value);
    e.item_previous = offsetof(Item, previous_item);
    return e;
}

}  // namespace pyxray

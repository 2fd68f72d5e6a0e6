// Struct mirrors for a thread's status (the GIL, the GC's collecting flag, sys.modules), shared
// by the version tables, and thread_status_from_mirrors<M>() that turns a version's mirrors into
// ThreadStatusOffsets with offsetof. Sources: Include/internal/pycore_gil.h (_gil_runtime_state),
// pycore_gc.h (_gc_runtime_state, gc_generation), pycore_ceval.h / pycore_ceval_state.h
// (_pending_calls, _ceval_state, _ceval_runtime_state) of v3.8.18 to v3.13.0; each version's
// vX_Y.cpp (or vX_Y_mirrors.hpp) names which of them its RuntimeState and PyInterpreterState use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "layout/object_mirrors.hpp"
#include "layout/offsets.hpp"

namespace pyxray::mirror {

// struct _gil_runtime_state, 3.8-3.13 default builds: only the prefix pyxray reads (the
// condition variable and mutex that follow are never read and never precede a mirrored field).
struct GilRuntimeState {
    unsigned long interval;
    uintptr_t last_holder;  // _Py_atomic_address (3.8-3.12), PyThreadState* (3.13)
    int locked;             // _Py_atomic_int (3.8-3.12), int (3.13); -1 until initialised
    unsigned long switch_number;
};

// Free-threaded builds (3.13t+) put `enabled` first: 0 while the GIL is disabled.
struct FreeThreadedGilRuntimeState {
    int enabled;
    unsigned long interval;
    uintptr_t last_holder;
    int locked;
    unsigned long switch_number;
};

// PyGC_Head: two uintptr_t (_gc_next, _gc_prev) in every version 3.8-3.13.
struct GcHead {
    uintptr_t gc_next;
    uintptr_t gc_prev;
};

struct GcGeneration {
    GcHead head;
    int threshold;
    int count;
};

struct GcGenerationStats {
    Py_ssize_t collections;
    Py_ssize_t collected;
    Py_ssize_t uncollectable;
};

constexpr int kGcGenerations = 3;  // NUM_GENERATIONS

// struct _gc_runtime_state of 3.8 to 3.13; 3.13t ends it with `int immortalize`, which moves
// what follows the struct in PyInterpreterState (sys.modules) by 8 bytes.
template <bool kFreeThreaded>
struct GcRuntimeStateOf {
    PyObject* trash_delete_later;
    int trash_delete_nesting;
    int enabled;
    int debug;
    GcGeneration generations[kGcGenerations];
    GcHead* generation0;
    GcGeneration permanent_generation;
    GcGenerationStats generation_stats[kGcGenerations];
    int collecting;
    PyObject* garbage;
    PyObject* callbacks;
    Py_ssize_t long_lived_total;
    Py_ssize_t long_lived_pending;
    [[no_unique_address]] std::conditional_t<kFreeThreaded, int, Absent> immortalize;
};

using GcRuntimeState = GcRuntimeStateOf<false>;

// 3.14 (pycore_interp_structs.h): the incremental collector's young and two old spaces where
// the generations were, no generation0; 3.14.5 went back to generations[3] in the same place.
struct GcRuntimeState314 {
    PyObject* trash_delete_later;
    int trash_delete_nesting;
    int enabled;
    int debug;
    GcGeneration young;
    GcGeneration old[2];
    GcGeneration permanent_generation;
};

// 3.15 (pycore_interp_structs.h, main at 014d98ad): the trash list moved out; generations[3]
// (young and old[2] in free-threaded builds, which link no lists), then the permanent one.
struct GcRuntimeState315 {
    int enabled;
    int debug;
    GcGeneration generations[kGcGenerations];
    GcGeneration permanent_generation;
};

// Set by the Py_BUILD_CORE headers on _gc_next while a collection runs (gc.c).
constexpr uint64_t kGcNextMaskUnreachable = 2;

constexpr int kPendingCalls = 32;  // NPENDINGCALLS, 3.8-3.12

struct PendingCall {
    void* func;
    void* arg;
};

// struct _pending_calls of 3.8 (its first field, `finishing`, went in 3.9).
struct PendingCalls38 {
    int finishing;
    void* lock;
    int calls_to_do;  // _Py_atomic_int
    int async_exc;
    PendingCall calls[kPendingCalls];
    int first;
    int last;
};

// 3.9-3.11.
struct PendingCalls39 {
    void* lock;
    int calls_to_do;
    int async_exc;
    PendingCall calls[kPendingCalls];
    int first;
    int last;
};

// 3.12 added `busy` in front.
struct PendingCalls312 {
    int busy;
    void* lock;
    int calls_to_do;
    int async_exc;
    PendingCall calls[kPendingCalls];
    int first;
    int last;
};

// _PyRuntimeState's struct _xidregistry, 3.8-3.11 (only its size matters here).
struct XidRegistry {
    void* mutex;
    void* head;
};

constexpr int kExitFuncs = 32;  // NEXITFUNCS

// struct _ceval_runtime_state of 3.9-3.11 (bpo-40513 moved the rest to each interpreter).
struct RuntimeCeval39 {
    int signals_pending;  // _Py_atomic_int
    GilRuntimeState gil;
};

// struct _ceval_state of 3.10-3.11 (3.9's also has tracing_possible).
struct InterpreterCeval310 {
    int recursion_limit;
    int eval_breaker;      // _Py_atomic_int
    int gil_drop_request;  // _Py_atomic_int
    PendingCalls39 pending;
};

}  // namespace pyxray::mirror

namespace pyxray {

// `M` names RuntimeState, PyInterpreterState and GilRuntimeState. Where each field lives is
// told by the mirrors' shape: a RuntimeState with `ceval` holds the GIL (3.8-3.11), one with
// `gc` the collector's state (3.8); PyInterpreterState has `modules` (3.8-3.11) or
// `imports.modules` (3.12+).
template <class M>
constexpr ThreadStatusOffsets thread_status_from_mirrors() {
    using Runtime = typename M::RuntimeState;
    using Interp = typename M::PyInterpreterState;
    using Gil = typename M::GilRuntimeState;
    ThreadStatusOffsets s{};
    if constexpr (requires { &Runtime::ceval; }) {
        s.gil_in_runtime = true;
        s.gil = offsetof(Runtime, ceval.gil);
    } else {
        s.gil = offsetof(Interp, ceval.gil);
    }
    s.gil_last_holder = offsetof(Gil, last_holder);
    s.gil_locked = offsetof(Gil, locked);
    if constexpr (requires { &Gil::enabled; }) s.gil_enabled = offsetof(Gil, enabled);
    if constexpr (requires { &Runtime::gc; }) {
        s.gc_in_runtime = true;
        s.gc_collecting = offsetof(Runtime, gc.collecting);
    } else {
        s.gc_collecting = offsetof(Interp, gc.collecting);
    }
    if constexpr (requires { &Interp::modules; })
        s.modules = offsetof(Interp, modules);
    else
        s.modules = offsetof(Interp, imports.modules);
    return s;
}

// The generation lists' heads in a _gc_runtime_state mirror `State`.
template <class State>
constexpr GcListOffsets gc_list_heads() {
    GcListOffsets g{};
    g.head_size = sizeof(mirror::GcHead);
    g.next_mask = mirror::kGcNextMaskUnreachable;
    if constexpr (requires { &State::young; }) {
        g.lists[0] = offsetof(State, young.head);
        g.lists[1] = offsetof(State, old[0].head);
        g.lists[2] = offsetof(State, old[1].head);
        g.incremental = true;
    } else {
        for (int i = 0; i < mirror::kGcGenerations; ++i)
            g.lists[i] = offsetof(State, generations) + i * sizeof(mirror::GcGeneration);
    }
    g.lists[3] = offsetof(State, permanent_generation.head);
    return g;
}

// Where `M`'s collector keeps its lists: _PyRuntime.gc (3.8) or PyInterpreterState.gc; a
// table whose interpreter mirror stops short of `gc` names the state's type as
// M::GcRuntimeState and leaves its place to the target's _Py_DebugOffsets.
template <class M>
constexpr std::optional<GcListOffsets> gc_lists_from_mirrors() {
    using Runtime = typename M::RuntimeState;
    using Interp = typename M::PyInterpreterState;
    if constexpr (requires { &Runtime::gc; }) {
        GcListOffsets g = gc_list_heads<decltype(Runtime::gc)>();
        g.in_runtime = true;
        g.state = offsetof(Runtime, gc);
        return g;
    } else if constexpr (requires { &Interp::gc; }) {
        GcListOffsets g = gc_list_heads<decltype(Interp::gc)>();
        g.state = offsetof(Interp, gc);
        return g;
    } else if constexpr (requires { typename M::GcRuntimeState; }) {
        return gc_list_heads<typename M::GcRuntimeState>();
    } else {
        return std::nullopt;
    }
}

// Tables whose mirrors lack the status structs (none yet) keep thread_status empty.
template <class M>
constexpr void fill_thread_status(Offsets& o) {
    if constexpr (requires { typename M::GilRuntimeState; })
        o.thread_status = thread_status_from_mirrors<M>();
}

}  // namespace pyxray

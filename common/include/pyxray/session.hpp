// The one entry point front-ends use: open a target, take a snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "pyxray/heap.hpp"
#include "pyxray/model.hpp"
#include "pyxray/refwatch.hpp"
#include "pyxray/repr.hpp"
#include "pyxray/result.hpp"
#include "pyxray/target.hpp"
#include "pyxray/tasks.hpp"

namespace pyxray {

struct XbtOptions {
    std::optional<int64_t> only_tid;   // the selected thread; every thread when empty
    bool python_only = false;          // no native frames at all
    bool native_all = false;           // keep interpreter plumbing frames
    std::optional<ReprLimits> locals;  // decode every Python frame's variables, within these limits
    // For a sampler's snapshots, hundreds a second: reading the thread names (a walk of
    // threading's dicts, most of a Python-only sample's cost) is skipped while no new thread has
    // appeared and the names are under a second old, so a rename shows within a second.
    bool reuse_thread_names = false;
    // What each blocked thread waits for and who holds it, and the deadlocks (issue 20);
    // samplers turn it off (it reads the locals of blocked threads' frames).
    bool waits = true;
    // Each running asyncio task's name on the Python frames it runs (PyFrame::task): one read
    // of each interpreter's asyncio.tasks._current_tasks; samplers turn it off.
    bool task_marks = true;
    // Each thread's exception (ThreadStack::exception); samplers, whose outputs never show it,
    // turn it off.
    bool exceptions = true;
    // The modules checked against files here (Snapshot::modules); samplers turn it off.
    bool modules = true;
};

// Where a name used in a frame is bound, as Python looks it up: locals, globals, builtins.
struct NameLookup {
    enum class Scope { Local, Global, Builtin };
    Scope scope = Scope::Local;
    std::string repr;
    uint64_t object = 0;  // the object's address
};

// For a target Session::open found no CPython runtime in (`why`, its message): every thread's
// native stack and the crash, so that `pyxray core` still triages a core of any program.
Result<Snapshot> native_snapshot(const Target& target, std::string why);

class Session {
public:
    // Finds the CPython runtime and its layout; fails with a one-line, actionable message.
    static Result<Session> open(const Target& target);

    Result<Snapshot> xbt(const XbtOptions& options) const;
    // The variables of one Python frame (from a snapshot of this session), in f_locals order.
    Result<std::vector<Variable>> frame_locals(const PyFrame& frame, const ReprLimits& limits) const;
    // `name` as the Python frame `frame` (from a snapshot of this session) would see it; an
    // error names the scopes searched when it is bound in none.
    Result<NameLookup> lookup_name(const PyFrame& frame, const std::string& name,
                                   const ReprLimits& limits) const;
    const RuntimeInfo& runtime() const { return runtime_; }
    // Every asyncio task (py-tasks), with the threads that run their event loops.
    Result<TasksReport> tasks() const;
    // The heap census (py-heap): every object the collector tracks, by type.
    Result<HeapReport> heap(const HeapOptions& options) const;

    // The safe repr (and type name) of the object at `address`; fails when it is no object.
    Result<ObjectRepr> repr(uint64_t address, const ReprLimits& limits = {}) const;

    // py-refcnt and py-refwatch (refwatch.hpp): Py_REFCNT of the object at `address`, and
    // with its type and repr; both fail when it is no object (or no longer one).
    Result<Refcount> refcount(uint64_t address) const;
    Result<RefcntReport> refcnt(uint64_t address, const ReprLimits& limits = {}) const;
    // (offset, size) of each field an object's refcount is kept in, for watchpoints.
    std::vector<std::pair<uint64_t, uint64_t>> refcount_fields() const;

    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;
    ~Session();

private:
    struct State;
    Session(const Target& target, RuntimeInfo runtime, std::unique_ptr<State> state);
    const Target* target_;
    RuntimeInfo runtime_;
    std::unique_ptr<State> state_;
};

}  // namespace pyxray

#include "pyxray/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "asyncio/task_marks.hpp"
#include "asyncio/task_registry.hpp"
#include "crash/crash.hpp"
#include "heap/census.hpp"
#include "interp/code_objects.hpp"
#include "interp/frame_variables.hpp"
#include "interp/pthread_tids.hpp"
#include "interp/runtime_locator.hpp"
#include "interp/thread_activity.hpp"
#include "interp/thread_exception.hpp"
#include "interp/thread_names.hpp"
#include "interp/thread_states.hpp"
#include "interp/thread_status.hpp"
#include "interp/thread_waits.hpp"
#include "memory/process_namespaces.hpp"
#include "merge/classify.hpp"
#include "merge/merge.hpp"
#include "merge/module_offsets.hpp"
#include "merge/thread_matching.hpp"
#include "objects/object_reader.hpp"
#include "objects/refcount.hpp"
#include "symbols/demangle.hpp"

namespace pyxray {

namespace {

// The thread names a sampler's last snapshots used (XbtOptions::reuse_thread_names).
struct RecentThreadNames {
    ThreadNames names;
    std::unordered_set<uint64_t> idents;  // the threads' idents when the names were read
    std::chrono::steady_clock::time_point read_at;

    // A thread unknown to threading when the names were read (one just starting) is named at
    // the next refresh, within a second.
    bool still_fresh(const std::vector<uint64_t>& now) const {
        if (std::chrono::steady_clock::now() - read_at > std::chrono::seconds(1)) return false;
        return std::all_of(now.begin(), now.end(), [&](uint64_t ident) { return idents.contains(ident); });
    }
};

}  // namespace

struct Session::State {
    const Offsets* offsets = nullptr;
    std::optional<RecentThreadNames> recent_names;
    // Kept across snapshots (a sampler takes thousands): each code object is read once and
    // then only checked for reuse of its address.
    std::unique_ptr<CodeCache> codes;
    // Whether a live target's PID namespace is ours: a process never changes its own.
    std::optional<bool> own_pid_namespace;
    std::optional<uint32_t> pthread_tid_offset;  // struct pthread's tid, once found in libc

    CodeCache& codes_for(const Memory& memory) {
        if (!codes || &codes->memory() != &memory) codes = std::make_unique<CodeCache>(memory, *offsets);
        codes->begin_snapshot();
        return *codes;
    }
};

Session::Session(const Target& target, RuntimeInfo runtime, std::unique_ptr<State> state)
    : target_(&target), runtime_(std::move(runtime)), state_(std::move(state)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::open(const Target& target) {
    PYXRAY_TRY(located, locate_runtime(target));
    auto state = std::make_unique<State>();
    state->offsets = located.offsets;
    return Session(target, std::move(located.info), std::move(state));
}

namespace {

// What native frames are placed in: the target's modules and mappings, read at most once per
// snapshot and only when asked for (a Python-only sample of a live process needs neither).
class AddressSpace {
public:
    explicit AddressSpace(const Target& target) : target_(&target) {}

    const std::vector<ModuleInfo>& modules() const {
        if (!modules_) modules_ = target_->modules().value_or(std::vector<ModuleInfo>{});
        return *modules_;
    }
    const std::vector<MemoryRegion>& regions() const {
        if (!regions_) regions_ = target_->memory_regions().value_or(std::vector<MemoryRegion>{});
        return *regions_;
    }

private:
    const Target* target_;
    mutable std::optional<std::vector<ModuleInfo>> modules_;
    mutable std::optional<std::vector<MemoryRegion>> regions_;
};

std::vector<ModuleInfo> checked_modules(const AddressSpace& space) {
    std::vector<ModuleInfo> checked;
    for (const ModuleInfo& module : space.modules())
        if (module.status != ModuleFileStatus::Unchecked) checked.push_back(module);
    return checked;
}

// Whether some OS thread without a thread state has a stack a state's frames may lie on.
bool has_stack_to_scan(const std::vector<ThreadInfo>& threads, const ThreadAssignment& assignment) {
    return std::any_of(threads.begin(), threads.end(), [&](const ThreadInfo& thread) {
        return thread.stack_pointer && !assignment.states_of.contains(thread.tid);
    });
}

// A Python-only stack takes `python`'s frames.
ThreadStack stack_for(const Target& target, const AddressSpace& space, const ThreadInfo& thread,
                      PyThread* python, const XbtOptions& options, std::optional<bool> holds_gil) {
    if (python && options.python_only) {
        ThreadStack stack = python_only_thread(thread.tid, std::move(*python));
        stack.activity = thread_activity(nullptr, holds_gil);
        return stack;
    }
    auto native = target.native_frames(thread.tid);
    if (!native) {
        ThreadStack stack =
            python ? python_only_thread(thread.tid, *python) : native_only_thread(thread.tid, {});
        stack.notes.push_back("no native stack: " + native.error().message);
        stack.native_lost = python != nullptr;
        stack.activity = thread_activity(nullptr, holds_gil);
        return stack;
    }
    for (auto& frame : *native) use_readable_name(frame);
    add_module_offsets(*native, space.modules(), space.regions());
    ThreadStack stack = python ? merge_thread(thread.tid, *native, *python, options.native_all)
                               : native_only_thread(thread.tid, *native);
    stack.native_lost = python && !stack.merged;
    stack.activity = thread_activity(&*native, holds_gil, python != nullptr);
    return stack;
}

// A thread without a thread state cannot hold a GIL; one whose interpreter is unreadable may.
std::optional<bool> thread_holds_gil(const PyThread* python, const InterpreterStatus* status) {
    if (!python) return false;
    if (!status) return std::nullopt;
    return holds_gil(*status, python->tstate);
}

// The GIL and GC of the thread's (innermost) interpreter; a thread without a thread state
// belongs to no interpreter whose collector could run.
void set_interpreter_status(ThreadStack& stack, const PyThread* python, const InterpreterStatus* status) {
    stack.holds_gil = thread_holds_gil(python, status);
    if (!python) return;
    if (!status) {
        stack.gil_note = fmt::format("the interpreter of thread state {:#x} is unreadable", python->tstate);
        return;
    }
    if (!stack.holds_gil) stack.gil_note = status->gil_note;
    stack.gc_collecting = status->gc_collecting;
}

// The key threading knows the thread by, pthread_self(): the OS thread's own when the front-end
// read it, since a thread state's thread_id can be stale (3.12's run_string hands a
// subinterpreter's state to another thread). None for a thread without a thread state.
std::optional<uint64_t> threading_ident(const ThreadStack& stack, const ThreadInfo* os) {
    if (!stack.state) return std::nullopt;
    return os && os->pthread_self ? *os->pthread_self : stack.state->thread_id;
}

// Python's name for the thread when threading knows it, else the OS's.
void set_name(ThreadStack& stack, const ThreadNames& names, const ThreadInfo* os) {
    if (auto ident = threading_ident(stack, os)) {
        auto found = names.by_ident.find(*ident);
        if (found != names.by_ident.end()) {
            stack.name = found->second;
            stack.name_source = NameSource::Threading;
            return;
        }
    }
    if (os && os->name && !os->name->empty()) {
        stack.name = *os->name;
        stack.name_source = NameSource::Os;
    }
}

// Every interpreter's threading names, the main interpreter's first: it started the process's
// threads, while a subinterpreter's threading knows the OS thread that runs its code only as
// a stand-in (its _MainThread in 3.12, a _DummyThread in 3.13). Others add the threads they
// started themselves (see add_names).
ThreadNames all_thread_names(const Memory& memory, const Offsets& offsets,
                             const InterpreterStatuses& statuses) {
    std::vector<std::pair<int64_t, uint64_t>> by_id;  // (interpreter id, sys.modules)
    for (const auto& [interp, status] : statuses.read_so_far()) {
        auto id = read_value<int64_t>(memory, interp + offsets.interpreter_state.id);
        by_id.emplace_back(id.value_or(INT64_MAX), status.modules);
    }
    std::sort(by_id.begin(), by_id.end());
    ThreadNames names;
    ObjectReader reader(memory, offsets);
    for (const auto& [id, modules] : by_id) {
        add_names(names, read_thread_names(reader, modules));
    }
    return names;
}

void fill_locals(const Memory& memory, const Offsets& offsets, const ObjectReader& objects, PyFrame& frame) {
    auto namespaces =
        read_frame_namespaces(memory, offsets, objects, frame.frame_address, frame.code_address);
    if (!namespaces) {
        frame.locals_error = namespaces.error().message;
        return;
    }
    frame.locals.emplace();
    for (const auto& variable : namespaces->locals)
        frame.locals->push_back({variable.name, objects.repr(variable.object)});
}

void fill_all_locals(const Memory& memory, const Offsets& offsets, const ReprLimits& limits,
                     Snapshot& snapshot) {
    ObjectReader objects(memory, offsets, limits);
    for (auto& thread : snapshot.threads)
        for (auto& frame : thread.frames)
            if (frame.kind == StackFrame::Kind::Python) fill_locals(memory, offsets, objects, frame.python);
}

// Each Python thread's exception, if it has one; an unreadable exception stack becomes a note.
void fill_exceptions(const Memory& memory, const Offsets& offsets, Snapshot& snapshot) {
    ObjectReader objects(memory, offsets);
    for (auto& thread : snapshot.threads) {
        if (!thread.state) continue;
        auto exception = read_thread_exception(memory, offsets, objects, thread.state->tstate);
        if (exception)
            thread.exception = std::move(*exception);
        else
            thread.notes.push_back("exception unreadable: " + exception.error().message);
    }
}

// A live process in another PID namespace (a container) keeps its own namespace's thread ids
// (native_thread_id, struct pthread's tid): matched and shown as ours, the ids the debugger,
// the host and /proc use. A core keeps no map: the states match by pthread_self or stack.
void use_our_tids(const TargetInfo& target, std::optional<bool>& own_namespace,
                  std::vector<PyThread>& threads) {
    if (target.kind != TargetKind::Live || own_namespace.value_or(false)) return;
    auto ours = our_tids_by_namespace_tid(target.pid);
    if (!own_namespace) own_namespace = ours.empty() && in_our_pid_namespace(target.pid);
    for (PyThread& thread : threads) {
        auto found = ours.find(static_cast<int64_t>(thread.native_thread_id));
        if (found != ours.end()) thread.native_thread_id = static_cast<uint64_t>(found->second);
    }
}

// The thread states an OS thread runs, stacked; the usual single one is moved out of `states`
// (each serves one OS thread, and only the unmatched ones are read afterwards).
PyThread states_of_thread(std::vector<PyThread>& states, const std::vector<size_t>& innermost_first) {
    if (innermost_first.size() == 1) return std::move(states[innermost_first.front()]);
    return stack_states(states, innermost_first);
}

// Thread states no OS thread claims: shown with their Python frames, if they have any.
void add_unmatched(std::vector<ThreadStack>& out, const std::vector<PyThread>& threads,
                   const std::vector<bool>& matched, InterpreterStatuses& statuses) {
    for (size_t i = 0; i < threads.size(); ++i) {
        if (matched[i] || threads[i].frames.empty()) continue;
        ThreadStack stack = python_only_thread(static_cast<int64_t>(threads[i].native_thread_id), threads[i]);
        stack.notes.push_back(fmt::format("no OS thread matches thread state {:#x}", threads[i].tstate));
        set_interpreter_status(stack, &threads[i], statuses.of_thread_state(threads[i].tstate));
        stack.activity = thread_activity(nullptr, stack.holds_gil);
        out.push_back(std::move(stack));
    }
}

}  // namespace

Result<Snapshot> Session::xbt(const XbtOptions& options) const {
    const Memory& memory = target_->memory();
    CodeCache& codes = state_->codes_for(memory);
    PYXRAY_TRY(walk, read_thread_states(memory, *state_->offsets, runtime_.runtime_address, codes, true));
    std::vector<PyThread>& python_threads = walk.threads;
    // before 3.11 only pthread_self is kept
    fill_native_ids_from_pthreads(*target_, python_threads, state_->pthread_tid_offset);
    TargetInfo info = target_->info();
    use_our_tids(info, state_->own_pid_namespace, python_threads);
    PYXRAY_TRY(os_threads, target_->threads());
    AddressSpace space(*target_);
    auto modules = options.modules ? checked_modules(space) : std::vector<ModuleInfo>{};
    Snapshot snapshot{std::move(info), runtime_, {}, std::nullopt, std::move(modules)};
    snapshot.notes = std::move(walk.notes);
    auto assignment = assign_thread_states(python_threads, os_threads);
    if (has_stack_to_scan(os_threads, assignment))
        claim_by_stack_contents(memory, space.regions(), python_threads, os_threads, assignment);
    InterpreterStatuses statuses(memory, *state_->offsets, runtime_.runtime_address);
    std::vector<const ThreadInfo*> os_of;  // per snapshot thread, its OS thread (null if none)
    for (const auto& thread : os_threads) {
        if (options.only_tid && *options.only_tid != thread.tid) continue;
        auto states = assignment.states_of.find(thread.tid);
        bool has_state = states != assignment.states_of.end();
        if (!has_state && options.python_only && !options.only_tid) continue;
        std::optional<PyThread> state;
        if (has_state) state = states_of_thread(python_threads, states->second);
        PyThread* python = state ? &*state : nullptr;
        const InterpreterStatus* status = state ? statuses.of_thread_state(state->tstate) : nullptr;
        ThreadStack stack =
            stack_for(*target_, space, thread, python, options, thread_holds_gil(python, status));
        set_interpreter_status(stack, python, status);
        snapshot.threads.push_back(std::move(stack));
        os_of.push_back(&thread);
    }
    if (!options.only_tid) add_unmatched(snapshot.threads, python_threads, assignment.matched, statuses);
    os_of.resize(snapshot.threads.size(), nullptr);
    std::vector<uint64_t> idents;
    std::vector<std::optional<uint64_t>> ident_of;  // per snapshot thread
    for (size_t i = 0; i < snapshot.threads.size(); ++i) {
        ident_of.push_back(threading_ident(snapshot.threads[i], os_of[i]));
        if (ident_of.back()) idents.push_back(*ident_of.back());
    }
    auto& recent = state_->recent_names;
    if (!options.reuse_thread_names || !recent || !recent->still_fresh(idents))
        recent = RecentThreadNames{all_thread_names(memory, *state_->offsets, statuses),
                                   {idents.begin(), idents.end()},
                                   std::chrono::steady_clock::now()};
    for (size_t i = 0; i < snapshot.threads.size(); ++i)
        set_name(snapshot.threads[i], recent->names, os_of[i]);
    if (options.only_tid && snapshot.threads.empty())
        return fail(ErrorCode::InvalidArgument, fmt::format("no thread {} in the target", *options.only_tid));
    if (options.locals) fill_all_locals(memory, *state_->offsets, *options.locals, snapshot);
    if (options.exceptions) fill_exceptions(memory, *state_->offsets, snapshot);
    if (options.waits) fill_waits(memory, *state_->offsets, ident_of, snapshot);
    if (options.task_marks)
        add_task_marks(memory, *state_->offsets, snapshot, [this] { return find_asyncio_debug(*target_); });
    put_crashing_thread_first(snapshot);
    return snapshot;
}

Result<TasksReport> Session::tasks() const {
    XbtOptions options;
    options.python_only = true;
    options.waits = false;
    options.task_marks = false;  // read_tasks reads the current tasks itself
    PYXRAY_TRY(threads, xbt(options));
    return read_tasks(target_->memory(), *state_->offsets, threads,
                      [this] { return find_asyncio_debug(*target_); });
}

Result<HeapReport> Session::heap(const HeapOptions& options) const {
    return take_census(*target_, *state_->offsets, runtime_, options);
}

Result<Snapshot> native_snapshot(const Target& target, std::string why) {
    PYXRAY_TRY(os_threads, target.threads());
    AddressSpace space(target);
    Snapshot snapshot{target.info(), RuntimeInfo{}, {}, std::nullopt, checked_modules(space)};
    for (const auto& thread : os_threads) {
        ThreadStack stack = stack_for(target, space, thread, nullptr, XbtOptions{}, std::nullopt);
        set_name(stack, ThreadNames{}, &thread);
        snapshot.threads.push_back(std::move(stack));
    }
    snapshot.no_runtime = std::move(why);
    put_crashing_thread_first(snapshot);
    return snapshot;
}

Result<ObjectRepr> Session::repr(uint64_t address, const ReprLimits& limits) const {
    ObjectReader reader(target_->memory(), *state_->offsets, limits);
    PYXRAY_TRY_VOID(reader.check_object(address));
    ObjectRepr out;
    out.address = address;
    out.repr = reader.repr(address);
    if (auto type = reader.type_name(address)) out.type = *type;
    return out;
}

Result<Refcount> Session::refcount(uint64_t address) const {
    return read_refcount(target_->memory(), *state_->offsets, runtime_.version_hex, address);
}

Result<RefcntReport> Session::refcnt(uint64_t address, const ReprLimits& limits) const {
    PYXRAY_TRY(count, refcount(address));
    PYXRAY_TRY(object, repr(address, limits));
    return RefcntReport{address, count, object.type.value_or("?"), object.repr.value_or("")};
}

std::vector<std::pair<uint64_t, uint64_t>> Session::refcount_fields() const {
    const RefcountOffsets& at = state_->offsets->refcount;
    if (at.split) return {{at.ob_ref_local, sizeof(uint32_t)}, {at.ob_ref_shared, sizeof(int64_t)}};
    return {{at.ob_refcnt, sizeof(int64_t)}};
}

Result<std::vector<Variable>> Session::frame_locals(const PyFrame& frame, const ReprLimits& limits) const {
    PyFrame filled = frame;
    fill_locals(target_->memory(), *state_->offsets,
                ObjectReader(target_->memory(), *state_->offsets, limits), filled);
    if (filled.locals_error)
        return fail(ErrorCode::BadData,
                    "cannot read the locals of " + frame.qualname + ": " + *filled.locals_error);
    return std::move(*filled.locals);
}

Result<NameLookup> Session::lookup_name(const PyFrame& frame, const std::string& name,
                                        const ReprLimits& limits) const {
    const Memory& memory = target_->memory();
    ObjectReader objects(memory, *state_->offsets, limits);
    PYXRAY_TRY(namespaces, read_frame_namespaces(memory, *state_->offsets, objects, frame.frame_address,
                                                 frame.code_address));
    for (const auto& variable : namespaces.locals)
        if (variable.name == name)
            return NameLookup{NameLookup::Scope::Local, objects.repr(variable.object), variable.object};
    std::pair<uint64_t, NameLookup::Scope> dicts[] = {{namespaces.globals, NameLookup::Scope::Global},
                                                      {namespaces.builtins, NameLookup::Scope::Builtin}};
    for (const auto& [dict, scope] : dicts) {
        if (dict == 0) continue;
        PYXRAY_TRY(found, objects.dict_get(dict, name));
        if (found) return NameLookup{scope, objects.repr(*found), *found};
    }
    return fail(ErrorCode::InvalidArgument,
                fmt::format("name '{}' is not defined in {} (searched its locals, globals and builtins)",
                            name, frame.qualname));
}

}  // namespace pyxray

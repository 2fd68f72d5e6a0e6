#include "pyxray/session.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "interp/code_objects.hpp"
#include "interp/frame_variables.hpp"
#include "interp/pthread_tids.hpp"
#include "interp/runtime_locator.hpp"
#include "interp/thread_states.hpp"
#include "merge/classify.hpp"
#include "merge/merge.hpp"
#include "merge/thread_matching.hpp"
#include "objects/object_reader.hpp"

namespace pyxray {

struct Session::State {
    const Offsets* offsets = nullptr;
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

ThreadStack stack_for(const Target& target, const ThreadInfo& thread, const PyThread* python,
                      const XbtOptions& options) {
    if (python && options.python_only) return python_only_thread(thread.tid, *python);
    auto native = target.native_frames(thread.tid);
    if (!native) {
        ThreadStack stack =
            python ? python_only_thread(thread.tid, *python) : native_only_thread(thread.tid, {});
        stack.notes.push_back("no native stack: " + native.error().message);
        return stack;
    }
    for (auto& frame : *native) frame.function = std::string(without_symbol_version(frame.function));
    if (!python) return native_only_thread(thread.tid, *native);
    return merge_thread(thread.tid, *native, *python, options.native_all);
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

// Thread states no OS thread claims: shown with their Python frames, if they have any.
void add_unmatched(std::vector<ThreadStack>& out, const std::vector<PyThread>& threads,
                   const std::vector<bool>& matched) {
    for (size_t i = 0; i < threads.size(); ++i) {
        if (matched[i] || threads[i].frames.empty()) continue;
        ThreadStack stack = python_only_thread(static_cast<int64_t>(threads[i].native_thread_id), threads[i]);
        stack.notes.push_back(fmt::format("no OS thread matches thread state {:#x}", threads[i].tstate));
        out.push_back(std::move(stack));
    }
}

}  // namespace

Result<Snapshot> Session::xbt(const XbtOptions& options) const {
    const Memory& memory = target_->memory();
    CodeCache codes(memory, *state_->offsets);
    PYXRAY_TRY(python_threads,
               read_thread_states(memory, *state_->offsets, runtime_.runtime_address, codes, true));
    fill_native_ids_from_pthreads(*target_, python_threads);  // before 3.11 only pthread_self is kept
    PYXRAY_TRY(os_threads, target_->threads());
    Snapshot snapshot{target_->info(), runtime_, {}};
    auto assignment = assign_thread_states(python_threads, os_threads);
    for (const auto& thread : os_threads) {
        if (options.only_tid && *options.only_tid != thread.tid) continue;
        auto states = assignment.states_of.find(thread.tid);
        bool has_state = states != assignment.states_of.end();
        if (!has_state && options.python_only && !options.only_tid) continue;
        std::optional<PyThread> state;
        if (has_state) state = stack_states(python_threads, states->second);
        snapshot.threads.push_back(stack_for(*target_, thread, state ? &*state : nullptr, options));
    }
    if (!options.only_tid) add_unmatched(snapshot.threads, python_threads, assignment.matched);
    if (options.only_tid && snapshot.threads.empty())
        return fail(ErrorCode::InvalidArgument, fmt::format("no thread {} in the target", *options.only_tid));
    if (options.locals) fill_all_locals(memory, *state_->offsets, *options.locals, snapshot);
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
        if (variable.name == name) return NameLookup{NameLookup::Scope::Local, objects.repr(variable.object)};
    std::pair<uint64_t, NameLookup::Scope> dicts[] = {{namespaces.globals, NameLookup::Scope::Global},
                                                      {namespaces.builtins, NameLookup::Scope::Builtin}};
    for (const auto& [dict, scope] : dicts) {
        if (dict == 0) continue;
        PYXRAY_TRY(found, objects.dict_get(dict, name));
        if (found) return NameLookup{scope, objects.repr(*found)};
    }
    return fail(ErrorCode::InvalidArgument,
                fmt::format("name '{}' is not defined in {} (searched its locals, globals and builtins)",
                            name, frame.qualname));
}

}  // namespace pyxray

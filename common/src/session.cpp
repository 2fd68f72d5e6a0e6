#include "pyxray/session.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "interp/code_objects.hpp"
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

}  // namespace pyxray

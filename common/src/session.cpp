#include "pyxray/session.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "interp/code_objects.hpp"
#include "interp/pthread_tids.hpp"
#include "interp/runtime_locator.hpp"
#include "interp/thread_states.hpp"
#include "merge/classify.hpp"
#include "merge/merge.hpp"

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

class ThreadMatcher {
public:
    explicit ThreadMatcher(const std::vector<PyThread>& threads) {
        for (size_t i = 0; i < threads.size(); ++i) {
            if (threads[i].native_thread_id != 0) by_native_id_.emplace(threads[i].native_thread_id, i);
            if (threads[i].thread_id != 0) by_pthread_.emplace(threads[i].thread_id, i);
        }
    }
    // The thread state of an OS thread: by native_thread_id, else by pthread_self (fs_base).
    std::optional<size_t> match(const ThreadInfo& thread) const {
        if (auto found = by_native_id_.find(static_cast<uint64_t>(thread.tid)); found != by_native_id_.end())
            return found->second;
        if (thread.pthread_self)
            if (auto found = by_pthread_.find(*thread.pthread_self); found != by_pthread_.end())
                return found->second;
        return std::nullopt;
    }

private:
    std::unordered_map<uint64_t, size_t> by_native_id_;
    std::unordered_map<uint64_t, size_t> by_pthread_;
};

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
    ThreadMatcher matcher(python_threads);
    std::vector<bool> matched(python_threads.size(), false);
    for (const auto& thread : os_threads) {
        auto index = matcher.match(thread);
        if (index) matched[*index] = true;
        if (options.only_tid && *options.only_tid != thread.tid) continue;
        if (!index && options.python_only && !options.only_tid) continue;
        snapshot.threads.push_back(
            stack_for(*target_, thread, index ? &python_threads[*index] : nullptr, options));
    }
    if (!options.only_tid) add_unmatched(snapshot.threads, python_threads, matched);
    if (options.only_tid && snapshot.threads.empty())
        return fail(ErrorCode::InvalidArgument, fmt::format("no thread {} in the target", *options.only_tid));
    return snapshot;
}

}  // namespace pyxray

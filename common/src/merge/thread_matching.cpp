#include "merge/thread_matching.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <span>

namespace pyxray {
namespace {

// Far more than any thread's stack: a shim frame further above every known stack pointer
// is on a stack pyxray was not told about.
constexpr uint64_t kMaxStackSpan = uint64_t{1} << 30;

class StackOwners {
public:
    explicit StackOwners(const std::vector<ThreadInfo>& threads) {
        for (const auto& thread : threads)
            if (thread.stack_pointer) by_stack_pointer_.emplace(*thread.stack_pointer, thread.tid);
    }

    // Stacks grow down, so an address on a thread's stack lies at or above its stack pointer
    // and below the stack pointer of any other thread whose stack is higher.
    std::optional<int64_t> owner_of(uint64_t address) const {
        auto above = by_stack_pointer_.upper_bound(address);
        if (above == by_stack_pointer_.begin()) return std::nullopt;
        auto owner = std::prev(above);
        if (address - owner->first > kMaxStackSpan) return std::nullopt;
        return owner->second;
    }

    bool knows_stack_of(int64_t tid) const {
        return std::any_of(by_stack_pointer_.begin(), by_stack_pointer_.end(),
                           [tid](const auto& entry) { return entry.second == tid; });
    }

private:
    std::map<uint64_t, int64_t> by_stack_pointer_;
};

class RecordedIds {
public:
    explicit RecordedIds(const std::vector<ThreadInfo>& threads) {
        for (const auto& thread : threads) {
            tids_.emplace(static_cast<uint64_t>(thread.tid), thread.tid);
            if (thread.pthread_self) by_pthread_.emplace(*thread.pthread_self, thread.tid);
        }
    }

    // By native_thread_id, else by pthread_self (before 3.11 the only id a state keeps).
    std::optional<int64_t> claimed_by(const PyThread& state) const {
        if (auto found = tids_.find(state.native_thread_id); found != tids_.end()) return found->second;
        if (auto found = by_pthread_.find(state.thread_id);
            state.thread_id != 0 && found != by_pthread_.end())
            return found->second;
        return std::nullopt;
    }

private:
    std::unordered_map<uint64_t, int64_t> tids_;
    std::unordered_map<uint64_t, int64_t> by_pthread_;
};

// A state running Python code has its innermost shim frame on the stack of the OS thread
// that runs it: that outranks the ids it recorded, which a stack can also disprove.
std::optional<int64_t> owner_of(const PyThread& state, const StackOwners& stacks, const RecordedIds& ids) {
    if (state.innermost_shim != 0) {
        if (auto owner = stacks.owner_of(state.innermost_shim)) return owner;
    }
    auto claimed = ids.claimed_by(state);
    if (claimed && state.innermost_shim != 0 && stacks.knows_stack_of(*claimed)) return std::nullopt;
    return claimed;
}

// The state running innermost has its shim lowest on the stack. States without one (before
// 3.12) keep their order after those, and states with no frames at all (a subinterpreter's
// idle one) come last: they run nothing, so they must not name the thread's interpreter.
void order_innermost_first(std::vector<size_t>& indices, const std::vector<PyThread>& states) {
    auto rank = [&](size_t index) {
        const PyThread& state = states[index];
        if (state.frames.empty()) return std::pair{2, uint64_t{0}};
        if (state.innermost_shim == 0) return std::pair{1, uint64_t{0}};
        return std::pair{0, state.innermost_shim};
    };
    std::stable_sort(indices.begin(), indices.end(), [&](size_t a, size_t b) { return rank(a) < rank(b); });
}

// A blocked eval loop sits a few C calls above the stack pointer; far less than this.
constexpr uint64_t kStackScanSpan = uint64_t{256} * 1024;
constexpr uint64_t kPageSize = 4096;

// Whether the stack from `stack_pointer` up to the end of its mapping (or kStackScanSpan) holds
// `value` as an aligned word. Past the mapping lies another thread's stack or a heap: no evidence.
bool stack_holds(const Memory& memory, const MemoryRegion& stack, uint64_t stack_pointer, uint64_t value) {
    std::array<uint64_t, kPageSize / sizeof(uint64_t)> words{};
    uint64_t at = stack_pointer & ~uint64_t{7};
    const uint64_t end = std::min(stack.end, at + std::min(kStackScanSpan, UINT64_MAX - at));
    while (at + sizeof(uint64_t) <= end) {
        uint64_t chunk = std::min(kPageSize - at % kPageSize, end - at) / sizeof(uint64_t) * sizeof(uint64_t);
        auto span = std::span(words).first(chunk / sizeof(uint64_t));
        if (!memory.read(at, std::as_writable_bytes(span))) return false;
        if (std::find(span.begin(), span.end(), value) != span.end()) return true;
        at += chunk;
    }
    return false;
}

struct StackToScan {
    int64_t tid;
    uint64_t stack_pointer;
    MemoryRegion region;
};

std::optional<int64_t> only_stack_holding(const Memory& memory, const std::vector<StackToScan>& stacks,
                                          uint64_t value) {
    std::optional<int64_t> holder;
    for (const StackToScan& stack : stacks) {
        if (!stack_holds(memory, stack.region, stack.stack_pointer, value)) continue;
        if (holder) return std::nullopt;  // two stacks hold it: no evidence either way
        holder = stack.tid;
    }
    return holder;
}

// Threads that run no state yet, each with the mapping its stack pointer lies in.
std::vector<StackToScan> stateless_stacks(const std::vector<ThreadInfo>& threads,
                                          const std::vector<MemoryRegion>& regions,
                                          const ThreadAssignment& assignment) {
    std::vector<StackToScan> stacks;
    for (const auto& thread : threads) {
        if (!thread.stack_pointer || assignment.states_of.contains(thread.tid)) continue;
        if (const MemoryRegion* region = region_holding(regions, *thread.stack_pointer))
            stacks.push_back({thread.tid, *thread.stack_pointer, *region});
    }
    return stacks;
}

}  // namespace

void claim_by_stack_contents(const Memory& memory, const std::vector<MemoryRegion>& regions,
                             const std::vector<PyThread>& states, const std::vector<ThreadInfo>& threads,
                             ThreadAssignment& assignment) {
    std::vector<StackToScan> stacks = stateless_stacks(threads, regions, assignment);
    for (size_t i = 0; i < states.size() && !stacks.empty(); ++i) {
        if (assignment.matched[i] || states[i].frames.empty()) continue;
        auto owner = only_stack_holding(memory, stacks, states[i].frames.front().frame_address);
        if (!owner) continue;
        assignment.states_of[*owner].push_back(i);
        assignment.matched[i] = true;
        std::erase_if(stacks, [&](const StackToScan& stack) { return stack.tid == *owner; });
    }
}

ThreadAssignment assign_thread_states(const std::vector<PyThread>& states,
                                      const std::vector<ThreadInfo>& threads) {
    StackOwners stacks(threads);
    RecordedIds ids(threads);
    ThreadAssignment assignment;
    assignment.matched.assign(states.size(), false);
    for (size_t i = 0; i < states.size(); ++i) {
        auto owner = owner_of(states[i], stacks, ids);
        if (!owner) continue;
        assignment.states_of[*owner].push_back(i);
        assignment.matched[i] = true;
    }
    for (auto& [tid, indices] : assignment.states_of) order_innermost_first(indices, states);
    return assignment;
}

PyThread stack_states(const std::vector<PyThread>& states, const std::vector<size_t>& innermost_first) {
    PyThread stacked = states[innermost_first.front()];
    // The outermost state is the OS thread's own; an inner one may carry another thread's id
    // (3.12's run_string hands a subinterpreter's state over without updating it).
    stacked.thread_id = states[innermost_first.back()].thread_id;
    for (size_t k = 1; k < innermost_first.size(); ++k) {
        const PyThread& outer = states[innermost_first[k]];
        stacked.frames.insert(stacked.frames.end(), outer.frames.begin(), outer.frames.end());
        stacked.segment_sizes.insert(stacked.segment_sizes.end(), outer.segment_sizes.begin(),
                                     outer.segment_sizes.end());
        if (!stacked.truncated && outer.truncated) stacked.truncated = outer.truncated;
        stacked.notes.insert(stacked.notes.end(), outer.notes.begin(), outer.notes.end());
    }
    return stacked;
}

}  // namespace pyxray

// What blocked threads wait for, in words: py-threads' WAITING column and the deadlock lines.
#include <fmt/format.h>

#include "pyxray/render.hpp"

namespace pyxray {
namespace {

// `4242 "beta"`, or the tid alone for a thread without a name.
std::string thread_label(const Snapshot& snapshot, int64_t tid) {
    for (const auto& thread : snapshot.threads)
        if (thread.tid == tid && thread.name)
            return fmt::format("{} \"{}\"", tid, printable_text(*thread.name));
    return std::to_string(tid);
}

std::string holders(const Snapshot& snapshot, const std::vector<int64_t>& tids) {
    std::string out;
    for (int64_t tid : tids) out += (out.empty() ? "" : ", ") + thread_label(snapshot, tid);
    return out;
}

// "lock 0x7f..": the kind and, when known, the object; a join names the thread instead, its
// Thread object only when the thread is not known (py-xbt of one thread sees no other).
std::string what(const ThreadWait& wait) {
    if (!wait.object || (wait.kind == "thread" && !wait.held_by.empty())) return wait.kind;
    return fmt::format("{} {:#x}", wait.kind, wait.object);
}

// " (empty, get)", " (2 items, put)", " (get)" when its length is not known.
std::string queue_text(const QueueWait& queue) {
    const char* state = queue_state(queue);
    if (state) return fmt::format(" ({}, {})", state, queue.call);
    if (queue.size)
        return fmt::format(" ({} item{}, {})", *queue.size, *queue.size == 1 ? "" : "s", queue.call);
    return fmt::format(" ({})", queue.call);
}

// " (1 of 2 waiting)"; nothing when either is not known.
std::string barrier_text(const BarrierWait& barrier) {
    if (!barrier.parties || !barrier.waiting) return {};
    return fmt::format(" ({} of {} waiting)", *barrier.waiting, *barrier.parties);
}

}  // namespace

std::string render_waiting_text(const Snapshot& snapshot, const ThreadStack& thread) {
    if (!thread.waiting) return "-";
    const ThreadWait& wait = *thread.waiting;
    std::string out = what(wait);
    // The hedge sits by what it hedges: the object (a running frame's stale slot) or the holders.
    if (wait.probably && !wait.held_probably) out += " (probably)";
    if (wait.kind == "thread") {
        if (!wait.held_by.empty()) out += " " + holders(snapshot, wait.held_by);
        out += " (join)";
    } else if (wait.kind == "rlock" && !wait.held_by.empty()) {
        out += " owned by " + holders(snapshot, wait.held_by);
        if (wait.count) out += fmt::format(", count {}", *wait.count);
    } else if (!wait.held_by.empty()) {
        out += (wait.held_probably ? " probably held by " : " held by ") + holders(snapshot, wait.held_by);
        if (!wait.held_how.empty()) out += " (" + printable_text(wait.held_how) + ")";
    }
    if (wait.value) out += fmt::format(" (value {})", *wait.value);
    if (wait.queue) out += queue_text(*wait.queue);
    if (wait.barrier) out += barrier_text(*wait.barrier);
    return out;
}

std::string render_deadlock_line(const Snapshot& snapshot, const Deadlock& deadlock) {
    std::string out = "deadlock: ";
    for (size_t i = 0; i < deadlock.threads.size(); ++i) {
        const ThreadStack* thread = nullptr;
        for (const auto& candidate : snapshot.threads)
            if (candidate.tid == deadlock.threads[i]) thread = &candidate;
        std::string kind = thread && thread->waiting ? thread->waiting->kind : "?";
        int64_t holder = deadlock.threads[(i + 1) % deadlock.threads.size()];
        if (i == 0) out += thread_label(snapshot, deadlock.threads[i]);
        out += fmt::format("{} waits for {} {:#x} held by {}", i == 0 ? "" : ", which", kind,
                           deadlock.objects[i], thread_label(snapshot, holder));
    }
    return out;
}

}  // namespace pyxray

#include "interp/thread_waits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "interp/frame_variables.hpp"
#include "interp/thread_activity.hpp"
#include "merge/classify.hpp"
#include "objects/object_reader.hpp"
#include "pyxray/path_names.hpp"

namespace pyxray {
namespace {

constexpr size_t kMaxFramesSearched = 256;  // per thread, for primitives and for lock holders
constexpr size_t kMaxCycleLength = 4096;

struct Primitive {
    std::string_view name;  // Class.method as co_qualname (3.11+) or the type of `self` says
    const char* kind;
};

// threading.py and queue.py's blocking calls; BoundedSemaphore inherits Semaphore.acquire.
constexpr std::array<Primitive, 11> kPrimitives = {{
    {"Event.wait", "event"},
    {"Condition.wait", "condition"},
    {"Condition.wait_for", "condition"},
    {"Semaphore.acquire", "semaphore"},
    {"BoundedSemaphore.acquire", "semaphore"},
    {"Barrier.wait", "barrier"},
    {"Barrier._wait", "barrier"},
    {"Thread.join", "thread"},
    {"Thread._wait_for_tstate_lock", "thread"},
    {"Queue.get", "queue"},
    {"Queue.put", "queue"},
}};

// C calls a thread blocks in, innermost frames above its innermost Python frame. An RLock's
// acquire first: it waits through the same helpers as a Lock's.
struct NativeWait {
    std::string_view function;
    const char* kind;
};
// A sleep syscall right under Python is time.sleep where time_sleep has no symbol (an LTO
// build without its debug info); before 3.11 time.sleep waits in select, under pysleep.
constexpr std::array<NativeWait, 21> kNativeWaits = {{
    {"rlock_acquire", "rlock"},
    {"_PyRecursiveMutex_Lock", "rlock"},
    {"time_sleep", "sleep"},
    {"pysleep", "sleep"},
    {"clock_nanosleep", "sleep"},
    {"nanosleep", "sleep"},
    {"lock_PyThread_acquire_lock", "lock"},
    {"acquire_timed", "lock"},
    {"PyThread_acquire_lock_timed", "lock"},
    {"_PyMutex_LockTimed", "lock"},
    {"select", "io"},
    {"pselect", "io"},
    {"poll", "io"},
    {"ppoll", "io"},
    {"epoll_wait", "io"},
    {"epoll_pwait", "io"},
    {"read", "io"},
    {"recv", "io"},
    {"recvfrom", "io"},
    {"accept", "io"},
    {"accept4", "io"},
}};

std::string_view last_dotted(std::string_view name) {
    auto dot = name.rfind('.');
    return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

class WaitReader {
public:
    WaitReader(const Memory& memory, const Offsets& offsets, const Snapshot& snapshot,
               const std::vector<std::optional<uint64_t>>& idents)
        : memory_(memory), offsets_(offsets), objects_(memory, offsets), snapshot_(snapshot) {
        for (size_t i = 0; i < idents.size() && i < snapshot.threads.size(); ++i)
            if (idents[i]) tid_of_ident_.emplace(*idents[i], snapshot.threads[i].tid);
    }

    // What `thread` waits for, with the frame it blocks in.
    std::optional<ThreadWait> wait_of(const ThreadStack& thread) const;
    void find_lock_holders(std::vector<ThreadStack>& threads) const;

private:
    std::vector<FrameVariable> locals(const PyFrame& frame) const {
        auto namespaces =
            read_frame_namespaces(memory_, offsets_, objects_, frame.frame_address, frame.code_address);
        return namespaces ? std::move(namespaces->locals) : std::vector<FrameVariable>{};
    }
    uint64_t local(const PyFrame& frame, std::string_view name) const {
        for (const auto& variable : locals(frame))
            if (variable.name == name) return variable.object;
        return 0;
    }
    std::string type_of(uint64_t object) const {
        auto type = objects_.type_name(object);
        return type ? *type : std::string();
    }
    std::optional<ThreadWait> told_wait(const ThreadStack& thread,
                                        const std::vector<const PyFrame*>& python) const;
    std::optional<ThreadWait> primitive_wait(const ThreadStack& thread,
                                             const std::vector<const PyFrame*>& python) const;
    std::optional<ThreadWait> native_wait(const ThreadStack& thread,
                                          const std::vector<const PyFrame*>& python) const;
    void describe_object(ThreadWait& wait, uint64_t object) const;
    void add_rlock_owner(ThreadWait& wait) const;
    std::optional<int64_t> tid_of_thread_object(uint64_t thread) const;
    bool lock_is_locked(uint64_t lock) const;
    uint64_t object_head() const { return offsets_.objects.float_object.ob_fval; }

    const Memory& memory_;
    const Offsets& offsets_;
    ObjectReader objects_;
    const Snapshot& snapshot_;
    std::unordered_map<uint64_t, int64_t> tid_of_ident_;
};

std::vector<const PyFrame*> python_frames(const ThreadStack& thread) {
    std::vector<const PyFrame*> out;
    for (const auto& frame : thread.frames) {
        if (out.size() >= kMaxFramesSearched) break;
        if (frame.kind == StackFrame::Kind::Python) out.push_back(&frame.python);
    }
    return out;
}

// Where `frame` (one of python_frames(thread)) sits in thread.frames.
std::optional<size_t> stack_index(const ThreadStack& thread, const PyFrame* frame) {
    for (size_t i = 0; i < thread.frames.size(); ++i)
        if (&thread.frames[i].python == frame) return i;
    return std::nullopt;
}

std::string caller_text(const std::vector<const PyFrame*>& python, size_t index) {
    if (index >= python.size()) return {};
    const PyFrame& frame = *python[index];
    return fmt::format("{}:{}", frame.file, frame.line < 0 ? std::string("?") : std::to_string(frame.line));
}

void WaitReader::describe_object(ThreadWait& wait, uint64_t object) const {
    wait.object = object;
    if (object) wait.repr = objects_.repr(object);
}

std::optional<int64_t> WaitReader::tid_of_thread_object(uint64_t thread) const {
    auto ident = objects_.attribute(thread, "_ident");
    if (ident && *ident) {
        auto value = objects_.int_value(**ident);
        if (value) {
            auto found = tid_of_ident_.find(static_cast<uint64_t>(*value));
            if (found != tid_of_ident_.end()) return found->second;
        }
    }
    auto native = objects_.attribute(thread, "_native_id");
    if (native && *native) {
        auto value = objects_.int_value(**native);
        if (value)
            for (const auto& stack : snapshot_.threads)
                if (stack.tid == *value) return stack.tid;
    }
    return std::nullopt;
}

// The outermost primitive of the run of threading/queue frames at the top of the stack.
std::optional<ThreadWait> WaitReader::primitive_wait(const ThreadStack& thread,
                                                     const std::vector<const PyFrame*>& python) const {
    std::optional<ThreadWait> found;
    for (size_t i = 0; i < python.size() && is_threading_source(python[i]->file); ++i) {
        const PyFrame& frame = *python[i];
        std::string name = frame.qualname;
        uint64_t self = 0;
        if (name.find('.') == std::string::npos) {  // 3.8-3.10: no co_qualname, ask self's type
            self = local(frame, "self");
            if (!self) continue;
            name = std::string(last_dotted(type_of(self))) + "." + frame.function;
        }
        for (const auto& primitive : kPrimitives) {
            if (primitive.name != name) continue;
            found = ThreadWait{};
            found->kind = primitive.kind;
            found->how = fmt::format("{} from {}", primitive.name, caller_text(python, i + 1));
            found->frame = stack_index(thread, python[i]);
            describe_object(*found, self ? self : local(frame, "self"));
            break;
        }
    }
    if (!found) return std::nullopt;
    if (found->kind == "thread" && found->object) {
        if (auto tid = tid_of_thread_object(found->object)) found->held_by.push_back(*tid);
    } else if (found->kind == "semaphore" && found->object) {
        auto value = objects_.attribute(found->object, "_value");
        if (value && *value)
            if (auto number = objects_.int_value(**value)) found->value = *number;
    }
    return found;
}

void WaitReader::add_rlock_owner(ThreadWait& wait) const {
    // rlockobject: the lock (a pointer, 3.14's PyMutex padded alike), the owner's ident, the
    // count: the same offsets 3.8-3.14 (Modules/_threadmodule.c; 3.14's _PyRecursiveMutex).
    auto owner = read_value<uint64_t>(memory_, wait.object + object_head() + 8);
    auto count = read_value<uint64_t>(memory_, wait.object + object_head() + 16);
    if (!owner || !count || *owner == 0) return;
    wait.count = static_cast<int64_t>(*count);
    auto found = tid_of_ident_.find(*owner);
    if (found != tid_of_ident_.end()) wait.held_by.push_back(found->second);
}

std::optional<ThreadWait> WaitReader::native_wait(const ThreadStack& thread,
                                                  const std::vector<const PyFrame*>& python) const {
    const char* kind = nullptr;
    for (const auto& frame : thread.frames) {
        if (frame.kind == StackFrame::Kind::Python) break;
        std::string_view name =
            plain_libc_name(base_symbol_name(without_symbol_version(frame.native.function)));
        for (const auto& wait : kNativeWaits) {
            if (wait.function != name) continue;
            // The most telling call wins: an RLock or a sleep over the lock or select under it.
            if (!kind || std::string_view(kind) == "lock" || std::string_view(kind) == "io") kind = wait.kind;
            break;
        }
    }
    if (!kind) return std::nullopt;
    ThreadWait wait;
    wait.kind = kind;
    wait.how = caller_text(python, 0);
    if (wait.kind != "lock" && wait.kind != "rlock") return wait;
    // The lock is a local of the frame that takes it (`with lock:` or lock.acquire()): told
    // only when exactly one local is a lock of that kind, and said as probable.
    if (python.empty()) return wait;
    std::set<uint64_t> locks, rlocks;
    for (const auto& variable : locals(*python.front())) {
        std::string_view type = last_dotted(type_of(variable.object));
        if (type == "lock") locks.insert(variable.object);
        if (type == "RLock") rlocks.insert(variable.object);
    }
    if (wait.kind == "lock" && locks.empty() && rlocks.size() == 1) wait.kind = "rlock";
    const auto& candidates = wait.kind == "rlock" ? rlocks : locks;
    if (candidates.size() != 1) return wait;
    wait.probably = true;
    describe_object(wait, *candidates.begin());
    if (wait.kind == "rlock") add_rlock_owner(wait);
    return wait;
}

std::optional<ThreadWait> WaitReader::told_wait(const ThreadStack& thread,
                                                const std::vector<const PyFrame*>& python) const {
    if (thread.activity == ThreadActivity::Running) return std::nullopt;
    if (thread.activity == ThreadActivity::WaitingForGil) {
        ThreadWait wait{.kind = "gil"};
        for (const auto& other : snapshot_.threads)
            if (other.holds_gil.value_or(false)) wait.held_by.push_back(other.tid);
        return wait;
    }
    if (auto wait = primitive_wait(thread, python)) return wait;
    if (auto wait = native_wait(thread, python)) return wait;
    if (thread.activity == ThreadActivity::Idle && thread.python) return ThreadWait{.kind = "unknown"};
    return std::nullopt;
}

std::optional<ThreadWait> WaitReader::wait_of(const ThreadStack& thread) const {
    auto python = python_frames(thread);
    auto wait = told_wait(thread, python);
    // Not in a primitive's method: a C call (a lock's acquire, a sleep, the GIL) blocks under
    // the innermost Python frame, the one that made it.
    if (wait && !wait->frame && !python.empty()) wait->frame = stack_index(thread, python.front());
    return wait;
}

// A plain Lock records no owner: while it is locked, the other threads with a local naming it
// (not waiting for it themselves) probably hold it. Its lockobject is a PyMutex (locked bit 1)
// since gh-114271, backported within 3.13 (3.13.0 has the old one, 3.13.15 the new): told by
// the type's size, one byte past the header, padded. Before, the lock pointer, the weakref
// list, then `char locked`.
bool WaitReader::lock_is_locked(uint64_t lock) const {
    auto type = read_pointer(memory_, lock + offsets_.pyobject.ob_type);
    if (!type) return false;
    auto size = read_value<uint64_t>(memory_, *type + offsets_.objects.type.tp_basicsize);
    if (!size || *size < object_head()) return false;
    bool mutex = *size - object_head() < 2 * sizeof(uint64_t);
    auto byte = read_value<uint8_t>(memory_, lock + object_head() + (mutex ? 0 : 2 * sizeof(uint64_t)));
    return byte && (mutex ? (*byte & 1) != 0 : *byte != 0);
}

void WaitReader::find_lock_holders(std::vector<ThreadStack>& threads) const {
    std::map<uint64_t, std::vector<size_t>> waiters;  // lock -> waiting threads
    for (size_t i = 0; i < threads.size(); ++i) {
        const auto& wait = threads[i].waiting;
        if (wait && wait->kind == "lock" && wait->object) waiters[wait->object].push_back(i);
    }
    if (waiters.empty()) return;
    std::map<uint64_t, std::vector<int64_t>> holders;
    for (const auto& [lock, waiting] : waiters)
        if (lock_is_locked(lock)) holders[lock];
    for (const auto& thread : threads) {
        std::set<uint64_t> named;
        size_t searched = 0;
        for (const auto& frame : thread.frames) {
            if (frame.kind != StackFrame::Kind::Python) continue;
            if (++searched > kMaxFramesSearched) break;
            for (const auto& variable : locals(frame.python)) named.insert(variable.object);
        }
        for (auto& [lock, tids] : holders) {
            bool waits_for_it = thread.waiting && thread.waiting->object == lock;
            if (named.contains(lock) && !waits_for_it) tids.push_back(thread.tid);
        }
    }
    for (const auto& [lock, tids] : holders)
        for (size_t i : waiters[lock]) threads[i].waiting->held_by = tids;
}

}  // namespace

std::vector<Deadlock> find_deadlocks(const std::vector<ThreadStack>& threads) {
    std::unordered_map<int64_t, const ThreadStack*> by_tid;
    for (const auto& thread : threads) by_tid.emplace(thread.tid, &thread);
    auto next = [&](int64_t tid) -> const ThreadStack* {
        auto found = by_tid.find(tid);
        if (found == by_tid.end() || !found->second->waiting || found->second->waiting->held_by.empty())
            return nullptr;
        auto holder = by_tid.find(found->second->waiting->held_by.front());
        return holder == by_tid.end() ? nullptr : holder->second;
    };
    std::set<std::vector<int64_t>> seen;
    std::vector<Deadlock> out;
    for (const auto& start : threads) {
        std::vector<int64_t> path;
        const ThreadStack* at = &start;
        while (at && path.size() < kMaxCycleLength &&
               std::find(path.begin(), path.end(), at->tid) == path.end()) {
            path.push_back(at->tid);
            at = next(at->tid);
        }
        if (!at || path.size() >= kMaxCycleLength) continue;
        std::vector<int64_t> cycle(std::find(path.begin(), path.end(), at->tid), path.end());
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        if (!seen.insert(cycle).second) continue;
        Deadlock deadlock{cycle, {}};
        for (int64_t tid : cycle) deadlock.objects.push_back(by_tid[tid]->waiting->object);
        out.push_back(std::move(deadlock));
    }
    return out;
}

void fill_waits(const Memory& memory, const Offsets& offsets,
                const std::vector<std::optional<uint64_t>>& idents, Snapshot& snapshot) {
    WaitReader reader(memory, offsets, snapshot, idents);
    std::vector<std::optional<ThreadWait>> waits;
    for (const auto& thread : snapshot.threads) waits.push_back(reader.wait_of(thread));
    for (size_t i = 0; i < waits.size(); ++i) snapshot.threads[i].waiting = std::move(waits[i]);
    reader.find_lock_holders(snapshot.threads);
    snapshot.deadlocks = find_deadlocks(snapshot.threads);
}

}  // namespace pyxray

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
constexpr size_t kMaxLocksPerFrame = 64;

struct Primitive {
    std::string_view name;  // Class.method as co_qualname (3.11+) or the type of `self` says
    const char* kind;
};

// threading.py's, queue.py's and concurrent.futures' blocking calls; BoundedSemaphore inherits
// Semaphore.acquire.
constexpr std::array<Primitive, 13> kPrimitives = {{
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
    {"Future.result", "future"},
    {"Future.exception", "future"},
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

// What a frame's value stack says of a lock (a _thread.lock or _thread.RLock): an open `with`
// keeps the lock's bound __exit__ (3.14: the unbound one, then the lock); a blocked
// `lock.acquire()` or `with lock:` keeps acquire or __enter__ with the lock.
struct StackLock {
    enum class Use : uint8_t { Exit, Acquire, Manager };
    uint64_t lock = 0;
    Use use = Use::Exit;
    size_t slot = 0;
};

struct WithHolder {
    int64_t tid = 0;
    std::string how;  // "with at FILE:LINE"
    bool probably = false;
};

struct FrameLocks {
    std::vector<StackLock> locks;  // by slot, bottom first
    bool exact = false;            // the frame's stack top was saved: no stale slot among them
};

std::optional<StackLock::Use> lock_method_use(std::string_view name) {
    if (name == "__exit__") return StackLock::Use::Exit;
    if (name == "acquire" || name == "__enter__" || name == "acquire_lock") return StackLock::Use::Acquire;
    return std::nullopt;
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
    void add_primitive_state(ThreadWait& wait, std::string_view call) const;
    std::optional<int64_t> int_attribute(uint64_t object, std::string_view name) const;
    std::optional<ThreadWait> native_wait(const ThreadStack& thread,
                                          const std::vector<const PyFrame*>& python) const;
    void describe_object(ThreadWait& wait, uint64_t object) const;
    void add_rlock_owner(ThreadWait& wait) const;
    std::optional<int64_t> tid_of_thread_object(uint64_t thread) const;
    bool lock_is_locked(uint64_t lock) const;
    uint64_t object_head() const { return offsets_.objects.float_object.ob_fval; }
    std::string_view cached_type_name(uint64_t object) const;
    bool is_lock_type(uint64_t object) const;
    std::optional<StackLock> slot_lock(const std::vector<uint64_t>& slots, size_t index) const;
    FrameLocks frame_locks(const PyFrame& frame, bool in_python_call) const;
    const std::vector<FrameLocks>& thread_locks(const ThreadStack& thread) const;
    std::optional<ThreadWait> stack_lock_wait(const ThreadStack& thread,
                                              const std::vector<const PyFrame*>& python,
                                              const std::string& kind, bool probably) const;
    std::map<uint64_t, std::vector<WithHolder>> with_holders(const std::vector<ThreadStack>& threads) const;

    const Memory& memory_;
    const Offsets& offsets_;
    ObjectReader objects_;
    const Snapshot& snapshot_;
    std::unordered_map<uint64_t, int64_t> tid_of_ident_;
    mutable std::unordered_map<uint64_t, std::string> type_names_;  // by type address
    mutable std::unordered_map<int64_t, std::vector<FrameLocks>> locks_by_tid_;
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

std::string_view WaitReader::cached_type_name(uint64_t object) const {
    auto type = read_pointer(memory_, object + offsets_.pyobject.ob_type);
    if (!type || *type == 0) return {};
    auto [found, added] = type_names_.try_emplace(*type);
    if (added) found->second = type_of(object);
    return found->second;
}

bool WaitReader::is_lock_type(uint64_t object) const {
    std::string_view type = last_dotted(cached_type_name(object));
    return type == "lock" || type == "RLock";
}

// The lock slot `index` names with its method, if it does: a C method bound to a lock, or
// (3.14's `with`, any version's method call) a lock method's descriptor under the lock.
std::optional<StackLock> WaitReader::slot_lock(const std::vector<uint64_t>& slots, size_t index) const {
    uint64_t object = slots[index];
    if (object == 0) return std::nullopt;
    std::string_view type = cached_type_name(object);
    const auto& layouts = offsets_.objects;
    if (type == "builtin_function_or_method") {
        auto self = read_pointer(memory_, object + layouts.cfunction_object.m_self);
        auto method = read_pointer(memory_, object + layouts.cfunction_object.m_ml);
        if (!self || !method || *self == 0 || !is_lock_type(*self)) return std::nullopt;
        auto name_text = read_pointer(memory_, *method);  // PyMethodDef's first field: ml_name
        auto name = name_text ? read_c_string(memory_, *name_text, 32) : Result<std::string>(std::string());
        auto use = name ? lock_method_use(*name) : std::nullopt;
        if (use) return StackLock{*self, *use, index};
    } else if (type == "method_descriptor" && index + 1 < slots.size() && slots[index + 1] != 0) {
        auto name = read_pointer(memory_, object + layouts.method_descriptor.d_name);
        auto text = name ? objects_.str_value(*name, 32) : Result<std::string>(std::string());
        auto use = text ? lock_method_use(*text) : std::nullopt;
        if (use && is_lock_type(slots[index + 1])) return StackLock{slots[index + 1], *use, index};
    }
    return std::nullopt;
}

FrameLocks WaitReader::frame_locks(const PyFrame& frame, bool in_python_call) const {
    FrameLocks out;
    auto stack = read_value_stack(memory_, offsets_, frame.frame_address, frame.code_address, in_python_call);
    if (!stack) return out;
    out.exact = stack->exact;
    bool managers = offsets_.frame_variables.manager_on_stack_in_enter;
    for (size_t i = 0; i < stack->slots.size() && out.locks.size() < kMaxLocksPerFrame; ++i) {
        if (auto lock = slot_lock(stack->slots, i)) {
            out.locks.push_back(*lock);
            if (i + 1 < stack->slots.size() && stack->slots[i + 1] == lock->lock) ++i;  // the method's self
        } else if (managers && stack->slots[i] != 0 && is_lock_type(stack->slots[i])) {
            out.locks.push_back({stack->slots[i], StackLock::Use::Manager, i});
        }
    }
    return out;
}

// Per Python frame of the thread, newest first (at most kMaxFramesSearched), read once.
const std::vector<FrameLocks>& WaitReader::thread_locks(const ThreadStack& thread) const {
    auto [found, added] = locks_by_tid_.try_emplace(thread.tid);
    if (!added) return found->second;
    const PyFrame* callee = nullptr;
    for (const auto& frame : thread.frames) {
        if (frame.kind != StackFrame::Kind::Python) continue;
        if (found->second.size() >= kMaxFramesSearched) break;
        found->second.push_back(frame_locks(frame.python, callee && !callee->entry));
        callee = &frame.python;
    }
    return found->second;
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

// The outermost primitive of the run of threading/queue/futures frames at the top of the stack.
std::optional<ThreadWait> WaitReader::primitive_wait(const ThreadStack& thread,
                                                     const std::vector<const PyFrame*>& python) const {
    std::optional<ThreadWait> found;
    std::string_view call;  // the method of the primitive found: a Queue's get or put
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
            call = last_dotted(primitive.name);
            break;
        }
    }
    if (!found) return std::nullopt;
    if (found->object) add_primitive_state(*found, call);
    return found;
}

// What the primitive's own attributes say: the joined thread, a Semaphore's value, a Queue's
// length and bound, a Barrier's parties and waiters. What cannot be read stays unknown.
void WaitReader::add_primitive_state(ThreadWait& wait, std::string_view call) const {
    if (wait.kind == "thread") {
        if (auto tid = tid_of_thread_object(wait.object)) wait.held_by.push_back(*tid);
    } else if (wait.kind == "semaphore") {
        wait.value = int_attribute(wait.object, "_value");
    } else if (wait.kind == "queue") {
        wait.queue = QueueWait{.call = std::string(call), .maxsize = int_attribute(wait.object, "maxsize")};
        auto items = objects_.attribute(wait.object, "queue");
        if (items && *items)
            if (auto length = objects_.sequence_length(**items)) wait.queue->size = *length;
    } else if (wait.kind == "barrier") {
        wait.barrier = BarrierWait{.parties = int_attribute(wait.object, "_parties"),
                                   .waiting = int_attribute(wait.object, "_count")};
    }
}

std::optional<int64_t> WaitReader::int_attribute(uint64_t object, std::string_view name) const {
    auto attribute = objects_.attribute(object, name);
    if (!attribute || !*attribute) return std::nullopt;
    auto number = objects_.int_value(**attribute);
    return number ? std::optional<int64_t>(*number) : std::nullopt;
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
    if (python.empty()) return wait;
    if (auto from_stack = stack_lock_wait(thread, python, wait.kind, false)) return from_stack;
    // Else the lock is a local of the frame that takes it: told only when exactly one local
    // is a lock of that kind, and said as probable.
    wait.how = "with or acquire() at " + wait.how;
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

// The lock the newest Python frame is taking: the topmost lock its value stack names with
// __enter__, acquire or an open `with`'s __exit__ (a `with` keeps __exit__ from before
// __enter__ is called). A lock nobody holds is a stale slot's, not the one waited for. Said as
// probable unless the frame's stack top was saved.
std::optional<ThreadWait> WaitReader::stack_lock_wait(const ThreadStack& thread,
                                                      const std::vector<const PyFrame*>& python,
                                                      const std::string& kind, bool probably) const {
    const auto& frames = thread_locks(thread);
    if (frames.empty()) return std::nullopt;
    const FrameLocks& newest = frames.front();
    auto taking = [&](const StackLock& lock) {
        bool rlock = last_dotted(cached_type_name(lock.lock)) == "RLock";
        return (kind != "rlock" || rlock) && (rlock || lock_is_locked(lock.lock));
    };
    const StackLock* found = nullptr;
    if (offsets_.frame_variables.manager_on_stack_in_enter) {
        // The live top is the lowest slot naming a lock other than by __exit__: stale ones lie above.
        for (const auto& lock : newest.locks)
            if (lock.use != StackLock::Use::Exit && taking(lock)) {
                found = &lock;
                break;
            }
    } else {  // the entering `with`'s __exit__ or the acquire call is the topmost evidence
        for (auto lock = newest.locks.rbegin(); lock != newest.locks.rend() && !found; ++lock)
            if (taking(*lock)) found = &*lock;
    }
    if (!found) return std::nullopt;
    ThreadWait wait;
    bool rlock = last_dotted(cached_type_name(found->lock)) == "RLock";
    wait.kind = rlock ? "rlock" : "lock";
    wait.probably = probably || !newest.exact;
    wait.how = fmt::format("{} at {}", found->use == StackLock::Use::Acquire ? "acquire()" : "with",
                           caller_text(python, 0));
    describe_object(wait, found->lock);
    if (rlock) add_rlock_owner(wait);
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
    if (thread.activity != ThreadActivity::Idle || !thread.python) return std::nullopt;
    // No C function tells (a stripped libpython names none of its own): an idle thread whose
    // newest frame is taking a locked lock probably waits for it.
    if (auto wait = stack_lock_wait(thread, python, "lock", true)) return wait;
    return ThreadWait{.kind = "unknown"};
}

std::optional<ThreadWait> WaitReader::wait_of(const ThreadStack& thread) const {
    auto python = python_frames(thread);
    auto wait = told_wait(thread, python);
    // Not in a primitive's method: a C call (a lock's acquire, a sleep, the GIL) blocks under
    // the innermost Python frame, the one that made it.
    if (wait && !wait->frame && !python.empty()) wait->frame = stack_index(thread, python.front());
    return wait;
}

// Whether a plain Lock is locked. Its lockobject is a PyMutex (locked bit 1)
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

// Who holds each lock by an open `with`: every Python frame whose value stack keeps the lock's
// __exit__, but the one a waiting thread is entering. Only locks that are locked; a holder told
// from a stale slot is probable. lock -> (tid, "with at FILE:LINE"), holders probable.
std::map<uint64_t, std::vector<WithHolder>> WaitReader::with_holders(
    const std::vector<ThreadStack>& threads) const {
    std::map<uint64_t, std::vector<WithHolder>> out;
    std::unordered_map<uint64_t, bool> locked;
    for (const auto& thread : threads) {
        const auto& frames = thread_locks(thread);
        auto python = python_frames(thread);
        for (size_t k = 0; k < frames.size() && k < python.size(); ++k) {
            for (const auto& lock : frames[k].locks) {
                if (lock.use != StackLock::Use::Exit) continue;
                bool entering = k == 0 && thread.waiting && thread.waiting->object == lock.lock;
                if (entering) continue;
                auto [known, added] = locked.try_emplace(lock.lock);
                if (added) known->second = lock_is_locked(lock.lock);
                if (!known->second) continue;
                auto& holders = out[lock.lock];
                if (std::any_of(holders.begin(), holders.end(),
                                [&](const auto& h) { return h.tid == thread.tid; }))
                    continue;
                holders.push_back({thread.tid, "with at " + caller_text(python, k), !frames[k].exact});
            }
        }
    }
    return out;
}

// A plain Lock records no owner. The threads with an open `with` on it hold it; failing that,
// while it is locked, the other threads with a local naming it (not waiting for it themselves)
// probably hold it.
void WaitReader::find_lock_holders(std::vector<ThreadStack>& threads) const {
    std::map<uint64_t, std::vector<size_t>> waiters;  // lock -> waiting threads
    for (size_t i = 0; i < threads.size(); ++i) {
        const auto& wait = threads[i].waiting;
        if (wait && wait->kind == "lock" && wait->object) waiters[wait->object].push_back(i);
    }
    if (waiters.empty()) return;
    auto by_with = with_holders(threads);
    std::map<uint64_t, std::vector<int64_t>> by_local;
    for (const auto& [lock, waiting] : waiters)
        if (!by_with.contains(lock) && lock_is_locked(lock)) by_local[lock];
    for (const auto& thread : threads) {
        if (by_local.empty()) break;
        std::set<uint64_t> named;
        size_t searched = 0;
        for (const auto& frame : thread.frames) {
            if (frame.kind != StackFrame::Kind::Python) continue;
            if (++searched > kMaxFramesSearched) break;
            for (const auto& variable : locals(frame.python)) named.insert(variable.object);
        }
        for (auto& [lock, tids] : by_local) {
            bool waits_for_it = thread.waiting && thread.waiting->object == lock;
            if (named.contains(lock) && !waits_for_it) tids.push_back(thread.tid);
        }
    }
    for (const auto& [lock, indexes] : waiters) {
        for (size_t i : indexes) {
            ThreadWait& wait = *threads[i].waiting;
            if (auto found = by_with.find(lock); found != by_with.end()) {
                for (const auto& holder : found->second) {
                    wait.held_by.push_back(holder.tid);
                    wait.held_probably = wait.held_probably || holder.probably;
                }
                wait.probably = wait.probably || wait.held_probably;
                wait.held_how = found->second.front().how;
            } else if (auto local = by_local.find(lock); local != by_local.end()) {
                wait.held_by = local->second;
                wait.probably = wait.held_probably = true;
                if (!wait.held_by.empty()) wait.held_how = "a local names it";
            }
        }
    }
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

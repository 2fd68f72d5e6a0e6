// Plain value types for what pyxray decodes. No behaviour, no target access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pyxray/target.hpp"

namespace pyxray {

// A frame variable as py-xbt --locals and py-locals show it.
struct Variable {
    std::string name;
    std::string repr;
};

// The asyncio task a Python frame runs inside (issue 19): its loop's current task, from the
// task's coroutine frame to the thread's innermost Python frame.
struct TaskMark {
    std::string name;
    uint64_t address = 0;  // the task object
};

struct PyFrame {
    std::string function;  // co_name
    std::string qualname;  // co_qualname
    std::string file;      // co_filename as the code object holds it
    int line = -1;         // -1 when the location table has none
    uint64_t frame_address = 0;
    uint64_t code_address = 0;
    bool entry = false;  // oldest frame of one _PyEval_EvalFrameDefault call
    int64_t interpreter_id = 0;
    // Only when asked for (--locals): arguments, locals, cells and free variables in the
    // frame's f_locals order, or (locals_error) why they could not be read.
    std::optional<std::vector<Variable>> locals = std::nullopt;
    std::optional<std::string> locals_error = std::nullopt;
    std::optional<TaskMark> task = std::nullopt;  // XbtOptions::task_marks
};

// One thread's Python frames, innermost first, as walked from its PyThreadState.
struct PyThread {
    uint64_t tstate = 0;
    uint64_t native_thread_id = 0;
    uint64_t thread_id = 0;  // pthread_self() of the thread
    int64_t interpreter_id = 0;
    std::vector<PyFrame> frames;
    // How many of `frames` each _PyEval_EvalFrameDefault call runs, innermost call first; sums
    // to frames.size(). A call may run none (its only frame not yet started).
    std::vector<size_t> segment_sizes;
    std::optional<std::string> truncated;  // why the walk stopped early, if it did
    std::vector<std::string> notes;        // what a frame could not be decoded for (its line), and why
    // 3.12+: address of the shim frame of the innermost eval-loop call; 3.10-3.11 (and 3.12
    // without one): of the _PyCFrame that call made. Either is a local of that C call, so it tells which
    // OS thread's stack runs this thread state, and how deep.
    uint64_t innermost_shim = 0;
};

struct StackFrame {
    enum class Kind { Python, Native };
    Kind kind = Kind::Native;
    PyFrame python;      // when kind == Python
    NativeFrame native;  // when kind == Native
    // Python frames of a merged stack: the index, in the native stack the front-end gave, of
    // the eval-loop frame that runs this one (what py-up/py-down select in the debugger).
    std::optional<size_t> native_index = std::nullopt;
};

// What a thread is doing, from its native stack and the GIL (py-threads' state word).
enum class ThreadActivity : uint8_t {
    Unknown,        // no native stack and no GIL to tell
    Running,        // executing Python bytecode (the eval loop is its innermost frame)
    Native,         // in C code or a syscall other than a sleep or a wait
    WaitingForGil,  // blocked taking the GIL (take_gil, PyEval_RestoreThread on its stack)
    Idle,           // sleeping, or waiting on a lock, condition, select/poll
};

// The spellings JSON and text use; never renamed.
constexpr const char* activity_name(ThreadActivity activity) {
    switch (activity) {
        case ThreadActivity::Running:
            return "running";
        case ThreadActivity::Native:
            return "native";
        case ThreadActivity::WaitingForGil:
            return "waiting_for_gil";
        case ThreadActivity::Idle:
            return "idle";
        case ThreadActivity::Unknown:
            break;
    }
    return "unknown";
}

enum class NameSource : uint8_t { None, Threading, Os };

// An exception a thread has: the one it is raising (set, not yet caught) or the one the
// innermost `except` block (or `with` exit) it runs is handling, as sys.exc_info() sees it.
struct ThreadException {
    enum class State : uint8_t { Handling, Raising };
    State state = State::Handling;
    std::string type;     // the type's tp_name: "ValueError", "mymodule.Error"
    std::string message;  // str(exception) for the usual arguments, else repr of its args
};

// The fatal signal of a crashed process, from its core.
struct Crash {
    std::string signal;  // "SIGSEGV"
    int signo = 0;
    std::optional<int> code;          // si_code, when the front-end could read it
    std::string code_name;            // "SEGV_MAPERR"; empty without a code
    std::optional<uint64_t> address;  // the faulting address (SIGSEGV, SIGBUS, SIGILL, SIGFPE)
    int64_t tid = 0;                  // the thread that took the signal
};

// A queue.Queue as a thread blocked in its get or put finds it.
struct QueueWait {
    std::string call;                               // "get" or "put"
    std::optional<int64_t> size = std::nullopt;     // the items in it: its deque's (or list's) length
    std::optional<int64_t> maxsize = std::nullopt;  // 0 or less: unbounded
};

// "empty", "full", or nullptr: neither, or not known. The spellings are JSON's.
constexpr const char* queue_state(const QueueWait& queue) {
    if (!queue.size) return nullptr;
    if (*queue.size == 0) return "empty";
    if (queue.maxsize && *queue.maxsize > 0 && *queue.size >= *queue.maxsize) return "full";
    return nullptr;
}

// A threading.Barrier: the threads it waits for in all, and those waiting in it now.
struct BarrierWait {
    std::optional<int64_t> parties = std::nullopt;
    std::optional<int64_t> waiting = std::nullopt;
};

// What a blocked thread waits for (issue 20), told from its own frames: the outermost
// threading/queue/concurrent.futures primitive it is in, else the C call it blocks in (a
// lock's acquire, a sleep, I/O), else the GIL. `kind` spellings are JSON's and never renamed:
// lock, rlock, condition, event, queue, semaphore, barrier, thread, future, gil, sleep, io,
// unknown.
struct ThreadWait {
    std::string kind;
    uint64_t object = 0;                // the primitive's object, 0 when not known
    std::string repr = {};              // its repr, empty when not known
    std::vector<int64_t> held_by = {};  // OS tids: a lock's holders, an RLock's owner, the joined thread
    bool probably = false;              // object or holders told from weak evidence (a local naming it)
    bool held_probably = false;         // holders told from weak evidence (a stale slot, a local)
    std::string how = {};               // the primitive and the line of the frame that called it
    std::string held_how = {};          // how the (first) holder holds it: "with at FILE:LINE"
    std::optional<int64_t> count = std::nullopt;  // an RLock's recursion count
    std::optional<int64_t> value = std::nullopt;  // a Semaphore's value
    // Where it blocks, as an index into ThreadStack::frames: the primitive's method (Event.wait),
    // else the innermost Python frame (the one calling lock.acquire or time.sleep); empty when
    // the thread has no Python frame. py-xbt prints the wait under that frame.
    std::optional<size_t> frame = std::nullopt;
    std::optional<QueueWait> queue = std::nullopt;
    std::optional<BarrierWait> barrier = std::nullopt;
};

// A cycle of the wait-for graph: threads[i] waits for objects[i], held by threads[i + 1]
// (the last by the first); starts at the lowest tid, so each cycle is named once.
struct Deadlock {
    std::vector<int64_t> threads;
    std::vector<uint64_t> objects;
};

struct ThreadStack {
    int64_t tid = 0;
    bool python = false;  // a PyThreadState belongs to this thread
    std::optional<PyThread> state;
    // Innermost first: merged, or Python-only, or native-only (see `merged`).
    std::vector<StackFrame> frames;
    bool merged = false;
    // When native and Python stacks could not be merged: the native stack, and why.
    std::vector<StackFrame> unmerged_native;
    std::vector<std::string> notes;
    // Thread-level status. The name is threading's (the Thread object's name, decoded from
    // memory), else the OS's (comm), else none.
    std::optional<std::string> name;
    NameSource name_source = NameSource::None;
    std::optional<bool> holds_gil;      // empty when not known or there is no GIL: see gil_note
    std::string gil_note;               // why holds_gil is empty
    std::optional<bool> gc_collecting;  // a collection is running in this thread's interpreter
    ThreadActivity activity = ThreadActivity::Unknown;  // JSON "state"
    // The exception it is raising, else the one it is handling; empty when neither or no thread state.
    std::optional<ThreadException> exception;
    bool crashed = false;                              // took the process's fatal signal (Snapshot::crash)
    std::optional<ThreadWait> waiting = std::nullopt;  // empty: running, or not asked for
    // A Python thread whose native stack was asked for but could not be unwound or merged.
    bool native_lost = false;
    // The sampler's: on a CPU at the sample (/proc's state just before the stop); empty: not read.
    std::optional<bool> on_cpu;
};

struct RuntimeInfo {
    uint64_t runtime_address = 0;  // &_PyRuntime
    std::string version;           // "3.11.7"
    uint32_t version_hex = 0;      // PY_VERSION_HEX
    std::string library;           // module that holds _PyRuntime
    bool debug_build = false;
    bool free_threaded = false;  // Py_GIL_DISABLED (PEP 703): python3.13t and later
};

struct Snapshot {
    TargetInfo target;
    RuntimeInfo runtime;
    std::vector<ThreadStack> threads;           // the crashing thread first, when there is one
    std::optional<Crash> crash = std::nullopt;  // a core of a process killed by a signal
    // Cores: every module with its build-id and the file that stood in for it (modules a
    // front-end did not check, status Unchecked, are left out).
    std::vector<ModuleInfo> modules = {};
    // A snapshot of a target without CPython (native_snapshot): why no runtime was found. The
    // threads then have native frames only and `runtime` is empty.
    std::optional<std::string> no_runtime = std::nullopt;
    std::vector<Deadlock> deadlocks = {};  // the wait-for graph's cycles (XbtOptions::waits)
    // Threads possibly missing: where an interpreter's or a thread-state list ended early.
    std::vector<std::string> notes = {};
};

}  // namespace pyxray

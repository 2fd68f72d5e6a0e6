// The pybind11 module gdb's Python imports: what the Python side collected from gdb becomes
// one `Target` per command (a BridgeTarget, bridge_target.hpp), every call runs a core pipeline
// on it, and a pyxray::Error becomes `_pyxray_gdb.Error`.
// The GIL stays held throughout: the memory callback calls back into gdb's Python, and gdb is
// single-threaded anyway, so releasing it would buy nothing.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bridge_target.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/core_file.hpp"
#include "pyxray/heap.hpp"
#include "pyxray/process.hpp"
#include "pyxray/refwatch.hpp"
#include "pyxray/stop_timer.hpp"
#include "pyxray/tasks.hpp"
#include "pyxray/xbt_command.hpp"

namespace py = pybind11;

namespace pyxray::gdb {
namespace {

// Carries a pyxray::Error's one-line message to Python as `_pyxray_gdb.Error`.
struct BridgeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using PyModule = std::pair<std::string, uint64_t>;  // (path, base)
// (tid, pthread_self, stack pointer, OS name)
using PyThread =
    std::tuple<int64_t, std::optional<uint64_t>, std::optional<uint64_t>, std::optional<std::string>>;
using PyFrame = std::tuple<uint64_t, std::string, std::string>;      // (pc, function, module)
using PyRegion = std::tuple<uint64_t, uint64_t, bool, std::string>;  // (start, end, writable, path)
// (signo, si_code or None, faulting address or None, tid): the signal a core records
using PySignal = std::tuple<int, std::optional<int>, std::optional<uint64_t>, int64_t>;

// Calls `read(address, length) -> bytes-like | None` in gdb's Python. None means unreadable.
// Any other Python exception (Ctrl-C, a gdb error) stops all further reads and is re-raised
// once the core returns, so the user sees the real cause rather than a decoding failure.
class PythonReader {
public:
    explicit PythonReader(py::function read) : read_(std::move(read)) {}

    bool operator()(uint64_t address, std::span<std::byte> out) {
        if (failure_) return false;
        try {
            py::object bytes = read_(address, out.size());
            return !bytes.is_none() && copy_buffer(bytes, out);
        } catch (py::error_already_set& error) {
            failure_ = std::move(error);
            return false;
        }
    }

    // The failure of the call that just ended, once: the target serves later calls too.
    void rethrow_failure() {
        if (!failure_) return;
        py::error_already_set failure = std::move(*failure_);
        failure_.reset();
        throw failure;
    }

private:
    static bool copy_buffer(const py::object& bytes, std::span<std::byte> out) {
        Py_buffer view;
        if (PyObject_GetBuffer(bytes.ptr(), &view, PyBUF_SIMPLE) != 0) throw py::error_already_set();
        bool complete = static_cast<size_t>(view.len) == out.size();
        if (complete) std::memcpy(out.data(), view.buf, out.size());
        PyBuffer_Release(&view);
        return complete;
    }

    py::function read_;
    std::optional<py::error_already_set> failure_;
};

TargetKind parse_kind(const std::string& kind) {
    if (kind == "live") return TargetKind::Live;
    if (kind == "core") return TargetKind::Core;
    throw BridgeError("target kind must be 'live' or 'core', not '" + kind + "'");
}

std::vector<ModuleInfo> to_modules(const std::vector<PyModule>& modules) {
    std::vector<ModuleInfo> converted;
    converted.reserve(modules.size());
    for (const auto& [path, base] : modules) converted.push_back({path, base});
    return converted;
}

std::vector<ThreadInfo> to_threads(const std::vector<PyThread>& threads) {
    std::vector<ThreadInfo> converted;
    converted.reserve(threads.size());
    for (const auto& [tid, pthread_self, stack_pointer, name] : threads)
        converted.push_back({tid, pthread_self, stack_pointer, name});
    return converted;
}

std::map<int64_t, std::vector<NativeFrame>> to_frames(const std::map<int64_t, std::vector<PyFrame>>& frames) {
    std::map<int64_t, std::vector<NativeFrame>> converted;
    for (const auto& [tid, stack] : frames) {
        auto& out = converted[tid];
        out.reserve(stack.size());
        for (const auto& [pc, function, module] : stack) out.push_back({pc, function, module});
    }
    return converted;
}

std::vector<MemoryRegion> to_regions(const std::vector<PyRegion>& regions) {
    std::vector<MemoryRegion> converted;
    converted.reserve(regions.size());
    for (const auto& [start, end, writable, path] : regions)
        converted.push_back({start, end, writable, path});
    return converted;
}

template <class T>
T value_or_raise(Result<T> result) {
    if (!result) throw BridgeError(result.error().message);
    return std::move(*result);
}

inline void value_or_raise(Result<void> result) {
    if (!result) throw BridgeError(result.error().message);
}

std::optional<TargetSignal> to_signal(const std::optional<PySignal>& signal) {
    if (!signal) return std::nullopt;
    auto [signo, code, address, tid] = *signal;
    return TargetSignal{signo, code, address, tid};
}

// `_pyxray_gdb.Target`: the target one command runs on, built once from what gdb's Python
// collected and handed to every call the command makes.
class GdbTarget {
public:
    GdbTarget(const std::string& kind, int pid, const std::string& executable,
              const std::optional<std::vector<PyModule>>& modules, const std::vector<PyThread>& threads,
              const std::map<int64_t, std::vector<PyFrame>>& frames, const py::object& read_memory,
              const std::optional<std::vector<PyRegion>>& regions, const std::optional<PySignal>& signal) {
        target_.info = TargetInfo{parse_kind(kind), pid, executable, to_signal(signal)};
        // A native target (no memory callback): a process on this machine, whose /proc is ours.
        if (target_.info.kind == TargetKind::Live && read_memory.is_none())
            target_.info.command_line = command_line_of_process(pid);
        if (modules) target_.modules = to_modules(*modules);
        if (regions) target_.regions = to_regions(*regions);
        target_.threads = to_threads(threads);
        target_.frames = to_frames(frames);
        if (!read_memory.is_none()) {
            // Shared so the reader's failure survives the copy std::function makes.
            reader_ = std::make_shared<PythonReader>(read_memory.cast<py::function>());
            target_.read_memory = [reader = reader_](uint64_t address, std::span<std::byte> out) {
                return (*reader)(address, out);
            };
        }
    }

    // Runs `use(target)` -> Result<T> and returns its value. A Python exception raised by the
    // memory callback (Ctrl-C, a gdb error) wins over whatever the core made of the failed read.
    template <class Use>
    auto run(Use use) const {
        auto result = use(target_);
        if (reader_) reader_->rethrow_failure();
        return value_or_raise(std::move(result));
    }

private:
    BridgeTarget target_;
    std::shared_ptr<PythonReader> reader_;
};

XbtCommand parse_xbt(const std::vector<std::string>& words, bool terminal) {
    XbtCommand command = value_or_raise(parse_xbt_command(words));
    command.output_is_terminal = terminal;
    return command;
}

std::string xbt(const GdbTarget& target, const XbtCommand& command, int64_t selected_tid) {
    return target.run([&](const BridgeTarget& bridge) { return run_xbt(bridge, command, selected_tid); });
}

ThreadsCommand parse_threads(const std::vector<std::string>& words, bool terminal) {
    ThreadsCommand command = value_or_raise(parse_threads_command(words));
    command.output_is_terminal = terminal;
    return command;
}

std::string threads(const GdbTarget& target, const ThreadsCommand& command) {
    return target.run([&](const BridgeTarget& bridge) { return run_threads(bridge, command); });
}

FrameVerb verb_named(const std::string& name) {
    for (FrameVerb verb : kFrameVerbs)
        if (frame_command_name(verb) == name) return verb;
    throw BridgeError("unknown frame command '" + name + "'");
}

// (text, selected Python frame, native frame to select or None)
std::tuple<std::string, size_t, std::optional<size_t>> frame_command(const GdbTarget& target,
                                                                     const std::string& command_name,
                                                                     const std::vector<std::string>& words,
                                                                     int64_t tid, size_t selected,
                                                                     bool terminal) {
    FrameCommand command = value_or_raise(parse_frame_command(verb_named(command_name), words));
    command.output_is_terminal = terminal;
    auto output = target.run(
        [&](const BridgeTarget& bridge) { return run_frame_command(bridge, tid, selected, command); });
    return {std::move(output.text), output.selected, output.native_index};
}

std::vector<std::string> frame_commands() {
    std::vector<std::string> names;
    for (FrameVerb verb : kFrameVerbs) names.emplace_back(frame_command_name(verb));
    return names;
}

const CommandHelp& help_named(const std::string& name) {
    const CommandHelp* help = find_command_help(name);
    if (help == nullptr) throw BridgeError("no help for '" + name + "'");
    return *help;
}

// take(all_threads, with_frames) -> (threads, frames, selected tid), as collect_threads returns.
using Collected = std::tuple<std::vector<PyThread>, std::map<int64_t, std::vector<PyFrame>>, int64_t>;

// A Python exception in a callback (Ctrl-C: KeyboardInterrupt) ends the run, which still reports
// what it sampled; its message says why it ended.
std::string ended_by(py::error_already_set& error) {
    if (error.matches(PyExc_KeyboardInterrupt)) return "interrupted (Ctrl-C)";
    return std::string("gdb failed: ") + error.what();
}

// py-sample's callbacks over gdb's Python ones (bridge_sample.cpp runs the loop). The first
// stop is collected before sampling starts: a Python exception there ends the command.
SampleCallbacks sample_callbacks(const py::function& let_run, const py::function& take,
                                 const py::function& progress) {
    SampleCallbacks callbacks;
    callbacks.let_run = [let_run](double seconds, ThreadCpuStates* cpu) -> std::optional<std::string> {
        try {
            py::object reason = let_run(seconds, py::cast(cpu, py::return_value_policy::reference));
            return reason.is_none() ? std::nullopt : std::optional(reason.cast<std::string>());
        } catch (py::error_already_set& error) {
            return ended_by(error);
        }
    };
    callbacks.take = [take, first = true](bool all_threads,
                                          bool with_frames) mutable -> Result<CollectedStop> {
        auto collect = [&] {
            auto [threads, frames, selected] = take(all_threads, with_frames).cast<Collected>();
            return CollectedStop{to_threads(threads), to_frames(frames), selected};
        };
        if (std::exchange(first, false)) return collect();
        try {
            return collect();
        } catch (py::error_already_set& error) {
            return fail(ErrorCode::Internal, ended_by(error));
        }
    };
    callbacks.interrupted = [] {
        if (PyErr_CheckSignals() == 0) return false;
        PyErr_Clear();
        return true;
    };
    callbacks.progress = [progress](const std::string& line) { progress(line); };
    return callbacks;
}

// py-sample: gdb's Python lets the process run (let_run) and collects each stop (take).
std::string sample(const GdbTarget& target, const std::vector<std::string>& words,
                   const py::function& let_run, const py::function& take, const py::function& progress) {
    SampleCallbacks callbacks = sample_callbacks(let_run, take, progress);
    return target.run([&](const BridgeTarget& bridge) { return run_sample(bridge, words, callbacks); });
}

// Sends `signo` to `pid` after `seconds` from a thread that needs no GIL, reading which threads
// are on a CPU just before when given `cpu` (the sampler's, owned by run_sample); cancel() says
// whether it went out.
void bind_stop_timer(py::module_& m) {
    // Opaque to Python: handed from the sampler to its StopTimers.
    py::class_<ThreadCpuStates> cpu_states(m, "ThreadCpuStates");
    py::class_<StopTimer>(m, "StopTimer")
        .def(py::init([](pid_t pid, int signo, double seconds, ThreadCpuStates* cpu) {
                 std::function<void()> before_stop;
                 if (cpu) before_stop = [cpu] { cpu->read(); };
                 return std::make_unique<StopTimer>(pid, signo, seconds, std::move(before_stop));
             }),
             py::arg("pid"), py::arg("signo"), py::arg("seconds"), py::arg("cpu") = nullptr)
        .def("cancel", &StopTimer::cancel, py::call_guard<py::gil_scoped_release>());
}

RefcntReport refcnt_report(const GdbTarget& target, uint64_t address) {
    return target.run([&](const BridgeTarget& bridge) { return run_refcnt(bridge, address); });
}

// py-refcnt's text or JSON.
std::string refcnt(const GdbTarget& target, uint64_t address, bool json) {
    auto report = refcnt_report(target, address);
    return json ? render_refcnt_json(report) : render_refcnt_text(report);
}

// (refcount, immortal, type name); raises Error when the address holds no (live) object.
std::tuple<int64_t, bool, std::string> refcount(const GdbTarget& target, uint64_t address) {
    auto report = refcnt_report(target, address);
    return {report.refcount.value, report.refcount.immortal, report.type};
}

using PySite = std::tuple<std::string, int, std::string>;  // (file, line, function)

std::optional<PySite> python_site(const GdbTarget& target, int64_t tid) {
    auto site = target.run([&](const BridgeTarget& bridge) { return run_python_site(bridge, tid); });
    if (!site) return std::nullopt;
    return PySite{site->file, site->line, site->function};
}

uint64_t python_name(const GdbTarget& target, int64_t tid, size_t selected, const std::string& name) {
    return target.run(
        [&](const BridgeTarget& bridge) { return run_python_name(bridge, tid, selected, name); });
}

std::vector<std::pair<uint64_t, uint64_t>> refcount_fields(const GdbTarget& target) {
    std::vector<std::pair<uint64_t, uint64_t>> fields;
    target.run([&](const BridgeTarget& bridge) { return run_refcount_fields(bridge, fields); });
    return fields;
}

py::dict parse_refwatch(const std::vector<std::string>& words) {
    auto command = value_or_raise(parse_refwatch_command(words));
    py::dict out;
    out["object"] = command.object;
    out["each_line"] = command.each_line;
    out["breaks"] = command.breaks;
    out["watch"] = command.watch;
    out["count"] = command.count;
    out["json"] = command.json;
    return out;
}

// py-tasks and py-heap: the core parses the words, reads the target and renders the report.
template <auto Parse, auto Run>
std::string session_command(const GdbTarget& target, const std::vector<std::string>& words, bool terminal) {
    auto command = value_or_raise(Parse(words));
    command.output_is_terminal = terminal;
    return target.run([&](const BridgeTarget& bridge) {
        return with_session(bridge, [&](const Session& session) { return Run(session, command); });
    });
}

std::tuple<std::string, bool> parse_refcnt(const std::vector<std::string>& words) {
    auto command = value_or_raise(parse_refcnt_command(words));
    return {command.object, command.json};
}

// The words the Python side uses for StopKind, both ways.
constexpr std::pair<const char*, StopKind> kStopKinds[] = {{"entry", StopKind::Entry},
                                                           {"line", StopKind::Line},
                                                           {"exit", StopKind::Exit},
                                                           {"other", StopKind::Other}};

StopKind stop_kind_named(const std::string& name) {
    for (const auto& [word, kind] : kStopKinds)
        if (name == word) return kind;
    throw BridgeError("stop kind must be entry, line, exit or other, not '" + name + "'");
}

const char* stop_kind_name(StopKind kind) {
    for (const auto& [word, known] : kStopKinds)
        if (kind == known) return word;
    return "other";
}

std::optional<SourceSite> to_site(const std::optional<PySite>& site) {
    if (!site) return std::nullopt;
    auto [file, line, function] = *site;
    return SourceSite{file, line, function};
}

using PyLineAddress = std::tuple<uint64_t, std::string, int>;  // (pc, file, line)

// {pc: ((file, line, function), kind)}
std::map<uint64_t, std::tuple<PySite, std::string>> plan_stops(const std::vector<PyLineAddress>& entries,
                                                               uint64_t function_start,
                                                               const std::string& function) {
    std::vector<LineAddress> converted;
    converted.reserve(entries.size());
    for (const auto& [pc, file, line] : entries) converted.push_back({pc, file, line});
    std::map<uint64_t, std::tuple<PySite, std::string>> plan;
    for (const auto& [pc, stop] : plan_each_line(std::move(converted), function_start, function))
        plan[pc] = {PySite{stop.site.file, stop.site.line, stop.site.function}, stop_kind_name(stop.kind)};
    return plan;
}

// (cause, ours, numbers, pc, (file, line, function), detail): a stop as gdb's side describes it.
using PyStop = std::tuple<std::string, bool, std::vector<int64_t>, uint64_t, PySite, std::string>;
using PyPlan = std::map<uint64_t, std::tuple<PySite, std::string>>;

ObservedStop observed_stop_of(const PyStop& described) {
    static const std::map<std::string, StopCause> causes = {
        {"breakpoint", StopCause::Breakpoint}, {"watchpoint", StopCause::Watchpoint},
        {"signal", StopCause::Signal},         {"other", StopCause::Other},
        {"exited", StopCause::Exited},         {"interrupted", StopCause::Interrupted},
        {"failed", StopCause::Failed}};
    auto& [cause, ours, numbers, pc, site, detail] = described;
    auto known = causes.find(cause);
    if (known == causes.end()) throw BridgeError("unknown stop cause '" + cause + "'");
    return ObservedStop{known->second, ours, numbers, pc, *to_site(site), detail};
}

RefwatchPlan plan_of(const PyPlan& stops, const std::optional<std::pair<uint64_t, uint64_t>>& code) {
    RefwatchPlan plan;
    for (const auto& [pc, stop] : stops)
        plan.stops[pc] = PlannedStop{*to_site(std::get<0>(stop)), stop_kind_named(std::get<1>(stop))};
    if (code) plan.code = CodeRange{code->first, code->second};
    return plan;
}

// The core's py-refwatch loop over gdb: resume() -> PyStop; stopped_target() -> (bridge Target,
// tid) of that stop, asked once per stop; frames() -> the stopped thread's sites innermost
// first; write(text) shows a change. A Python exception in a hook ends the loop and is re-raised.
void follow_in_gdb(RefWatch& watch, uint64_t address, const PyPlan& stops,
                   const std::optional<std::pair<uint64_t, uint64_t>>& code, const py::function& resume,
                   const py::function& stopped_target, const py::function& frames,
                   const py::function& write) {
    std::optional<std::tuple<GdbTarget, int64_t>> stopped;
    auto target = [&]() -> const std::tuple<GdbTarget, int64_t>& {
        if (!stopped) stopped = stopped_target().cast<std::tuple<GdbTarget, int64_t>>();
        return *stopped;
    };
    RefwatchHooks hooks;
    hooks.resume = [&] {
        stopped.reset();
        return observed_stop_of(resume().cast<PyStop>());
    };
    hooks.refcount = [&]() -> Result<Refcount> {
        try {
            return refcnt_report(std::get<0>(target()), address).refcount;
        } catch (const BridgeError& error) {
            return fail(ErrorCode::BadData, error.what());
        }
    };
    hooks.frames = [&] {
        std::vector<SourceSite> sites;
        for (const auto& frame : frames().cast<std::vector<PySite>>()) sites.push_back(*to_site(frame));
        return sites;
    };
    hooks.python_site = [&] { return to_site(python_site(std::get<0>(target()), std::get<1>(target()))); };
    hooks.print = [&](const std::string& line) { write(line); };
    follow_refwatch(watch, plan_of(stops, code), hooks);
}

void bind_refwatch(py::module_& m) {
    m.def("refcount", &refcount, py::arg("target"), py::arg("address"),
          "(refcount, immortal, type) of one object; raises Error when it is no (live) object.");
    m.def("python_site", &python_site, py::arg("target"), py::arg("tid"),
          "(file, line, function) of thread tid's innermost Python frame, or None.");
    m.def("python_name", &python_name, py::arg("target"), py::arg("tid"), py::arg("selected"),
          py::arg("name"), "The address of the object NAME names in thread tid's selected Python frame.");
    m.def("refcount_fields", &refcount_fields, py::arg("target"),
          "(offset, size) of each field an object's refcount is kept in, for watchpoints.");
    m.def("parse_refwatch", &parse_refwatch, py::arg("words"), "py-refwatch's words as a dict.");
    m.def(
        "plan_each_line", &plan_stops, py::arg("entries"), py::arg("function_start"), py::arg("function"),
        "--each-line's breakpoints from a function's (pc, file, line) entries: {pc: ((file, line, function), "
        "kind)}, kind 'entry', 'line' or 'exit'.");
    m.def("follow_refwatch", &follow_in_gdb, py::arg("watch"), py::arg("address"), py::arg("plan"),
          py::arg("code"), py::kw_only(), py::arg("resume"), py::arg("stopped_target"), py::arg("frames"),
          py::arg("write"),
          "py-refwatch's loop (the core's follow_refwatch) until it ends; plan and code as plan_each_line "
          "and the function's (start, end) give them, or {} and None.");
    py::class_<RefWatch>(m, "RefWatch", "py-refwatch's change log and balances (pyxray/refwatch.hpp).")
        .def(py::init([](uint64_t object, std::string type, int64_t value, bool immortal,
                         std::optional<size_t> count) {
                 return RefWatch(object, std::move(type), Refcount{value, immortal}, count);
             }),
             py::arg("object"), py::arg("type"), py::arg("value"), py::arg("immortal"), py::arg("count"))
        .def("text", &RefWatch::render_text)
        .def("json", &RefWatch::render_json);
}

std::vector<PyRegion> core_regions_of(const std::string& core_path) {
    std::vector<PyRegion> regions;
    for (auto& region : value_or_raise(core_regions(core_path)))
        regions.emplace_back(region.start, region.end, region.writable, std::move(region.path));
    return regions;
}

std::vector<PyModule> core_modules_of(const std::string& core_path, const std::string& sysroot) {
    std::vector<PyModule> modules;
    for (auto& module : value_or_raise(core_modules(core_path, sysroot)))
        modules.emplace_back(std::move(module.path), module.base);
    return modules;
}

void bind_target(py::module_& m) {
    py::class_<GdbTarget>(m, "Target",
                          "The target of one command, built once from what gdb's Python collected and "
                          "handed to every call. modules=None: read /proc/PID/maps; read_memory=None: read "
                          "/proc/PID/mem; regions (start, end, writable, path) are scanned for the runtime "
                          "when no symbol names it (None: /proc/PID/maps when read_memory is None); "
                          "signal=(signo, code, address, tid) is the signal a core records (code and address "
                          "may be None).")
        .def(py::init<const std::string&, int, const std::string&,
                      const std::optional<std::vector<PyModule>>&, const std::vector<PyThread>&,
                      const std::map<int64_t, std::vector<PyFrame>>&, const py::object&,
                      const std::optional<std::vector<PyRegion>>&, const std::optional<PySignal>&>(),
             py::kw_only(), py::arg("kind"), py::arg("pid"), py::arg("executable"), py::arg("modules"),
             py::arg("threads"), py::arg("frames"), py::arg("read_memory"), py::arg("regions") = py::none(),
             py::arg("signal") = py::none());
    py::class_<XbtCommand>(m, "XbtCommand", "py-xbt's words, parsed by the core.")
        .def_readonly("all_threads", &XbtCommand::all_threads)
        .def_readonly("python_only", &XbtCommand::python_only);
    py::class_<ThreadsCommand>(m, "ThreadsCommand", "py-threads' words, parsed by the core.");
}

// Help, Tab completion: the core's table of debugger commands.
void bind_help(py::module_& m) {
    m.def(
        "command_help", [](const std::string& name) { return render_command_help(help_named(name)); },
        py::arg("name"), "The whole help of a debugger command: summary, usage, options, examples.");
    m.def(
        "complete_word",
        [](const std::string& name, const std::string& previous, const std::string& current) {
            return complete_word(help_named(name), previous, current);
        },
        py::arg("name"), py::arg("previous"), py::arg("current"),
        "Tab completion of the word `current` after `previous`: option values or option spellings.");
    m.def("frame_commands", &frame_commands, "The name of every Python-frame command.");
}

// Every command's words are parsed by the core; terminal: whether --color=auto colours.
void bind_commands(py::module_& m) {
    m.def("parse_xbt", &parse_xbt, py::arg("words"), py::arg("terminal"),
          "py-xbt's words; raises Error for a bad one.");
    m.def("xbt", &xbt, py::arg("target"), py::arg("command"), py::arg("selected_tid"),
          "py-xbt: the target's Python state merged with its native frames, as text or JSON; "
          "only thread selected_tid without --all-threads.");
    m.def("parse_threads", &parse_threads, py::arg("words"), py::arg("terminal"),
          "py-threads' words; raises Error for a bad one.");
    m.def("threads", &threads, py::arg("target"), py::arg("command"),
          "py-threads: every thread's one-line status (tid, name, GIL, GC, state, innermost "
          "Python frame), each merged stack under it with --stacks; JSON is py-xbt's document.");
    m.def("frame_command", &frame_command, py::arg("target"), py::arg("command"), py::arg("words"),
          py::arg("tid"), py::arg("selected"), py::arg("terminal"),
          "Runs a Python-frame command (py-up, py-locals, ...) on thread tid whose selected Python frame is "
          "`selected`; returns (text, selected Python frame, native frame index to select or None).");
    m.def("tasks", &session_command<parse_tasks_command, run_tasks_command>, py::arg("target"),
          py::arg("words"), py::arg("terminal") = false,
          "py-tasks: every asyncio task of the target, as text (table or --tree) or JSON.");
    m.def("heap", &session_command<parse_heap_command, run_heap_command>, py::arg("target"), py::arg("words"),
          py::arg("terminal") = false,
          "py-heap: the objects the garbage collector tracks by type, the longest containers and who refers "
          "to them, as text or JSON.");
    m.def(
        "sample", &sample, py::arg("target"), py::arg("words"), py::arg("let_run"), py::arg("take"),
        py::arg("progress"),
        "py-sample: parses the words, then paces let_run(seconds, cpu) -> None | reason-it-stopped-otherwise "
        "(cpu: None, or the ThreadCpuStates the StopTimer reads before it stops the process) "
        "and take(all_threads, with_frames) -> (threads, frames, selected tid), adds up every stop's "
        "merged stacks, writes -o FILE and returns the console text. The target's threads are unused.");
    m.def("refcnt", &refcnt, py::arg("target"), py::arg("address"), py::arg("json"),
          "py-refcnt's text (or JSON) for one object.");
    m.def("parse_refcnt", &parse_refcnt, py::arg("words"), "py-refcnt's words as (object, json).");
}

}  // namespace
}  // namespace pyxray::gdb

PYBIND11_MODULE(_pyxray_gdb, m) {
    m.attr("MAX_NATIVE_FRAMES") = pyxray::kMaxNativeFrames;
    m.attr("VERSION") = PYXRAY_VERSION;
    using namespace pyxray::gdb;
    m.doc() = "pyxray's core, for gdb's Python: the heavy lifting behind py-xbt";
    py::register_exception<BridgeError>(m, "Error");
    bind_target(m);
    bind_help(m);
    bind_commands(m);
    bind_stop_timer(m);
    bind_refwatch(m);
    m.def("core_regions", &core_regions_of, py::arg("core_path"),
          "Memory regions (start, end, writable, path) from a core file's PT_LOAD segments.");
    m.def("core_modules", &core_modules_of, py::arg("core_path"), py::arg("sysroot") = "",
          "Modules (path, base) from a core file's NT_FILE note, found under SYSROOT by build-id.");
}

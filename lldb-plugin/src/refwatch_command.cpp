// py-refcnt and py-refwatch: the core reads refcounts, keeps the change log and renders it;
// this file turns OBJECT into an address, sets LLDB's breakpoints or watchpoints, continues
// the process synchronously and reports each stop, and deletes every breakpoint it made.
#include <fmt/format.h>
#include <lldb/API/SBBreakpoint.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBCompileUnit.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBFileSpec.h>
#include <lldb/API/SBFrame.h>
#include <lldb/API/SBFunction.h>
#include <lldb/API/SBLineEntry.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBSymbolContext.h>
#include <lldb/API/SBSymbolContextList.h>
#include <lldb/API/SBTarget.h>
#include <lldb/API/SBThread.h>
#include <lldb/API/SBUnixSignals.h>
#include <lldb/API/SBValue.h>
#include <lldb/API/SBWatchpoint.h>

#include <charconv>
#include <csignal>
#include <string>
#include <vector>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/frame_commands.hpp"
#include "pyxray/refwatch.hpp"
#include "pyxray/session.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

constexpr uint32_t kMaxFramesForSite = 64;
constexpr uint32_t kMaxLineEntries = 1 << 16;

std::optional<uint64_t> literal_address(const std::string& text) {
    std::string_view digits = text;
    int base = 10;
    if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2), base = 16;
    uint64_t value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
    return value;
}

// OBJECT as LLDB sees it in the selected frame: a literal, $REGISTER, a variable path, or an
// expression LLDB evaluates.
Result<uint64_t> evaluate(lldb::SBProcess& process, const std::string& expression) {
    if (auto literal = literal_address(expression)) return *literal;
    lldb::SBFrame frame = process.GetSelectedThread().GetSelectedFrame();
    lldb::SBValue value;
    if (expression.starts_with("$")) value = frame.FindRegister(expression.c_str() + 1);
    if (!value.IsValid()) value = frame.GetValueForVariablePath(expression.c_str());
    if (!value.IsValid() || value.GetError().Fail()) value = frame.EvaluateExpression(expression.c_str());
    if (!value.IsValid() || value.GetError().Fail())
        return fail(ErrorCode::InvalidArgument, fmt::format("cannot evaluate '{}': {}", expression,
                                                            value.IsValid() && value.GetError().GetCString()
                                                                ? value.GetError().GetCString()
                                                                : "no such value"));
    return value.GetValueAsUnsigned();
}

Result<uint64_t> resolve_object(lldb::SBTarget& selected, lldb::SBProcess& process,
                                const std::string& object) {
    auto name = python_variable_name(object);
    if (!name) return evaluate(process, object);
    PYXRAY_TRY(tid, selected_thread_id(process));
    SbTarget target(selected, process);
    PYXRAY_TRY(session, Session::open(target));
    return python_name_address(session, tid, selected_python_frame(process, tid), *name);
}

Result<std::string> run_refcnt(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(command, parse_refcnt_command(words));
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-refcnt"));
    PYXRAY_TRY(address, resolve_object(selected, process, command.object));
    SbTarget target(selected, process);
    PYXRAY_TRY(session, Session::open(target));
    PYXRAY_TRY(report, session.refcnt(address));
    return command.json ? render_refcnt_json(report) : render_refcnt_text(report);
}

std::string path_of(const lldb::SBFileSpec& file) {
    char path[4096];
    return file.GetPath(path, sizeof path) > 0 ? std::string(path) : "??";
}

// --each-line's breakpoint plan for C function `name`, and the function's code.
Result<RefwatchPlan> function_plan(lldb::SBTarget& target, const std::string& name) {
    lldb::SBSymbolContextList contexts = target.FindFunctions(name.c_str());
    for (uint32_t i = 0; i < contexts.GetSize(); ++i) {
        lldb::SBSymbolContext context = contexts.GetContextAtIndex(i);
        lldb::SBFunction function = context.GetFunction();
        if (!function.IsValid()) continue;
        uint64_t start = function.GetStartAddress().GetLoadAddress(target);
        uint64_t end = function.GetEndAddress().GetLoadAddress(target);
        lldb::SBCompileUnit unit = context.GetCompileUnit();
        std::vector<LineAddress> entries;
        for (uint32_t j = 0; j < std::min(unit.GetNumLineEntries(), kMaxLineEntries); ++j) {
            lldb::SBLineEntry entry = unit.GetLineEntryAtIndex(j);
            uint64_t pc = entry.GetStartAddress().GetLoadAddress(target);
            if (pc >= start && pc < end)
                entries.push_back({pc, path_of(entry.GetFileSpec()), static_cast<int>(entry.GetLine())});
        }
        auto plan = plan_each_line(std::move(entries), start, name);
        if (!plan.empty()) return RefwatchPlan{std::move(plan), CodeRange{start, end}};
    }
    return fail(ErrorCode::InvalidArgument,
                fmt::format("--each-line: no C function '{}' with line information is loaded; stop where its "
                            "module is loaded and check `image lookup -n {}`",
                            name, name));
}

// What py-refwatch made, deleted when it goes out of scope whatever happens.
struct MadeStops {
    lldb::SBTarget target;
    std::vector<lldb::break_id_t> breakpoints;
    std::vector<lldb::watch_id_t> watchpoints;
    ~MadeStops() {
        for (auto id : breakpoints) target.BreakpointDelete(id);
        for (auto id : watchpoints) target.DeleteWatchpoint(id);
    }
    bool ours(lldb::StopReason reason, const std::vector<int64_t>& ids) const {
        auto any_of = [&](const auto& made) {
            return std::any_of(ids.begin(), ids.end(), [&](int64_t id) {
                return std::find(made.begin(), made.end(), id) != made.end();
            });
        };
        if (reason == lldb::eStopReasonBreakpoint) return any_of(breakpoints);
        return reason == lldb::eStopReasonWatchpoint && any_of(watchpoints);
    }
};

Result<void> add_breakpoint(MadeStops& made, const lldb::SBBreakpoint& breakpoint, const std::string& what) {
    if (!breakpoint.IsValid() || breakpoint.GetNumLocations() == 0) {
        if (breakpoint.IsValid()) made.target.BreakpointDelete(breakpoint.GetID());
        return fail(ErrorCode::InvalidArgument, fmt::format("no code at {}", what));
    }
    made.breakpoints.push_back(breakpoint.GetID());
    return {};
}

// `file:line` or a function name, as `--break` takes them.
lldb::SBBreakpoint breakpoint_at(lldb::SBTarget& target, const std::string& location) {
    auto colon = location.rfind(':');
    if (colon != std::string::npos) {
        if (auto line = literal_address(location.substr(colon + 1)))
            return target.BreakpointCreateByLocation(location.substr(0, colon).c_str(),
                                                     static_cast<uint32_t>(*line));
    }
    return target.BreakpointCreateByName(location.c_str());
}

Result<RefwatchPlan> set_stops(const RefwatchCommand& command, uint64_t address, const Session& session,
                               MadeStops& made) {
    RefwatchPlan plan;
    if (command.each_line) {
        PYXRAY_TRY(planned, function_plan(made.target, *command.each_line));
        plan = std::move(planned);
        for (const auto& [pc, stop] : plan.stops)
            PYXRAY_TRY_VOID(
                add_breakpoint(made, made.target.BreakpointCreateByAddress(pc), fmt::format("{:#x}", pc)));
    }
    for (const auto& location : command.breaks)
        PYXRAY_TRY_VOID(add_breakpoint(made, breakpoint_at(made.target, location), location));
    if (command.watch) {
        for (const auto& [offset, size] : session.refcount_fields()) {
            lldb::SBError error;
            lldb::SBWatchpoint watchpoint =
                made.target.WatchAddress(address + offset, size, false, true, error);
            if (!watchpoint.IsValid() || error.Fail())
                return fail(ErrorCode::InvalidArgument,
                            fmt::format("cannot watch {:#x}: {}", address + offset,
                                        error.GetCString() ? error.GetCString() : "refused"));
            made.watchpoints.push_back(watchpoint.GetID());
        }
    }
    return plan;
}

SourceSite site_of(lldb::SBFrame frame) {
    lldb::SBLineEntry entry = frame.GetLineEntry();
    const char* name = frame.GetFunctionName();
    return SourceSite{entry.IsValid() ? path_of(entry.GetFileSpec()) : "??",
                      entry.IsValid() ? static_cast<int>(entry.GetLine()) : 0, name ? name : "??"};
}

std::vector<SourceSite> frame_sites(lldb::SBThread thread) {
    std::vector<SourceSite> frames;
    for (uint32_t i = 0; i < std::min(thread.GetNumFrames(), kMaxFramesForSite); ++i)
        frames.push_back(site_of(thread.GetFrameAtIndex(i)));
    return frames;
}

// Every breakpoint (or the watchpoint) the stop reason names: a breakpoint stop lists
// (breakpoint, location) pairs, one for each breakpoint at the address, a watchpoint stop its id.
std::vector<int64_t> stop_ids(lldb::SBThread& thread, lldb::StopReason reason) {
    std::vector<int64_t> ids;
    size_t count = thread.GetStopReasonDataCount();
    size_t step = reason == lldb::eStopReasonBreakpoint ? 2 : 1;
    for (size_t i = 0; i < count && ids.size() < 64; i += step)
        ids.push_back(static_cast<int64_t>(thread.GetStopReasonDataAtIndex(static_cast<uint32_t>(i))));
    if (reason == lldb::eStopReasonWatchpoint) ids.resize(std::min<size_t>(ids.size(), 1));
    return ids;
}

ObservedStop observed_stop(lldb::SBProcess& process, const MadeStops& made) {
    lldb::SBThread thread = process.GetSelectedThread();
    lldb::StopReason reason = thread.GetStopReason();
    ObservedStop stop;
    stop.breakpoints = stop_ids(thread, reason);
    stop.ours = made.ours(reason, stop.breakpoints);
    stop.pc = thread.GetFrameAtIndex(0).GetPC();
    stop.site = site_of(thread.GetFrameAtIndex(0));
    if (reason == lldb::eStopReasonBreakpoint) {
        stop.cause = StopCause::Breakpoint;
    } else if (reason == lldb::eStopReasonWatchpoint) {
        stop.cause = StopCause::Watchpoint;
    } else if (reason == lldb::eStopReasonSignal) {
        stop.cause = StopCause::Signal;
        int signo = stop.breakpoints.empty() ? 0 : static_cast<int>(stop.breakpoints.front());
        const char* name = process.GetUnixSignals().GetSignalAsCString(signo);
        stop.detail = name ? name : fmt::format("signal {}", signo);
        stop.breakpoints.clear();
    } else {
        stop.detail = fmt::format("stop reason {}", static_cast<int>(reason));
        stop.breakpoints.clear();
    }
    return stop;
}

// Continues the process and says why it stopped, or why it did not.
ObservedStop resume(lldb::SBProcess& process, const MadeStops& made) {
    lldb::SBError error = process.Continue();
    lldb::StateType state = process.GetState();
    if (state == lldb::eStateExited || state == lldb::eStateDetached || !process.IsValid())
        return not_stopped(StopCause::Exited);
    if (error.Fail()) return not_stopped(StopCause::Failed, error.GetCString() ? error.GetCString() : "");
    if (state != lldb::eStateStopped && state != lldb::eStateCrashed)
        return not_stopped(StopCause::Other, lldb::SBDebugger::StateAsCString(state));
    return observed_stop(process, made);
}

// py-refwatch's hooks into LLDB. What a stop shows is read through one SbTarget and Session,
// made at the stop's first read and dropped at the next resume, so no cache outlives a resume.
class LldbRefwatchHooks {
public:
    LldbRefwatchHooks(const lldb::SBTarget& selected, const lldb::SBProcess& process, uint64_t address,
                      const MadeStops& made, lldb::SBCommandReturnObject& result)
        : selected_(selected), process_(process), address_(address), made_(made), result_(result) {}

    RefwatchHooks hooks() {
        RefwatchHooks hooks;
        hooks.resume = [this] {
            reading_.reset();
            return resume(process_, made_);
        };
        hooks.refcount = [this]() -> Result<Refcount> {
            const Result<Session>& session = read().session;
            if (!session) return pyxray::unexpected(session.error());
            return session->refcount(address_);
        };
        hooks.frames = [this] { return frame_sites(process_.GetSelectedThread()); };
        hooks.python_site = [this]() -> std::optional<SourceSite> {
            const Result<Session>& session = read().session;
            if (!session) return std::nullopt;
            return innermost_python_site(*session,
                                         static_cast<int64_t>(process_.GetSelectedThread().GetThreadID()));
        };
        hooks.print = [this](const std::string& line) { result_.Printf("%s", line.c_str()); };
        return hooks;
    }

private:
    struct StopReading {
        SbTarget target;
        Result<Session> session;
        StopReading(const lldb::SBTarget& selected, const lldb::SBProcess& process)
            : target(selected, process), session(Session::open(target)) {}
    };

    StopReading& read() {
        if (!reading_) reading_.emplace(selected_, process_);
        return *reading_;
    }

    lldb::SBTarget selected_;
    lldb::SBProcess process_;
    uint64_t address_;
    const MadeStops& made_;
    lldb::SBCommandReturnObject& result_;
    std::optional<StopReading> reading_;
};

Result<std::string> run_refwatch(lldb::SBDebugger& debugger, char** argv,
                                 lldb::SBCommandReturnObject& result) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(command, parse_refwatch_command(words));
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-refwatch"));
    SbTarget first_target(selected, process);
    if (first_target.info().kind == TargetKind::Core)
        return fail(ErrorCode::InvalidArgument, "a core cannot run; use py-refcnt on it, or run the program");
    PYXRAY_TRY(address, resolve_object(selected, process, command.object));
    PYXRAY_TRY(session, Session::open(first_target));
    PYXRAY_TRY(initial, session.refcnt(address));
    RefWatch watch(address, initial.type, initial.refcount, command.count);
    {
        SyncScope synchronous(debugger);
        MadeStops made{selected, {}, {}};
        PYXRAY_TRY(plan, set_stops(command, address, session, made));
        LldbRefwatchHooks hooks(selected, process, address, made, result);
        follow_refwatch(watch, plan, hooks.hooks());
    }
    return command.json ? watch.render_json() : watch.render_text();
}

class RefcntCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-refcnt", [&] { return run_refcnt(debugger, command); });
    }
};

class RefwatchCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-refwatch", [&] { return run_refwatch(debugger, command, result); });
    }
};

}  // namespace

bool add_refwatch_commands(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-refcnt", new RefcntCommand) &&
           add_described_command(interpreter, "py-refwatch", new RefwatchCommand);
}

}  // namespace pyxray::lldb_plugin

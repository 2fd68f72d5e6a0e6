// `py-xbt [-a|--all-threads] [--python-only] [--native-all] [--json]`: parse arguments, open a
// Session over the stopped process, render, hand the text to LLDB.
#include <fmt/format.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>
#include <lldb/API/SBThread.h>

#include <exception>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "pyxray/render.hpp"
#include "pyxray/session.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

constexpr const char* kSyntax = "py-xbt [-a|--all-threads] [--python-only] [--native-all] [--json]";
constexpr const char* kHelp =
    "Print the selected thread's backtrace with Python frames merged into the C frames "
    "(-a: every thread; --python-only: no C frames; --native-all: keep interpreter plumbing; "
    "--json: machine-readable).";
constexpr size_t kMaxArguments = 64;

struct XbtArguments {
    bool all_threads = false;
    bool json = false;
    XbtOptions options;
};

Result<XbtArguments> parse_arguments(char** argv) {
    XbtArguments arguments;
    for (size_t index = 0; argv != nullptr && argv[index] != nullptr; ++index) {
        if (index >= kMaxArguments) return fail(ErrorCode::InvalidArgument, "too many arguments");
        std::string_view argument(argv[index]);
        if (argument == "-a" || argument == "--all-threads") {
            arguments.all_threads = true;
        } else if (argument == "--python-only") {
            arguments.options.python_only = true;
        } else if (argument == "--native-all") {
            arguments.options.native_all = true;
        } else if (argument == "--json") {
            arguments.json = true;
        } else {
            return fail(ErrorCode::InvalidArgument,
                        fmt::format("unknown option '{}'; valid options: -a/--all-threads, "
                                    "--python-only, --native-all, --json",
                                    argument));
        }
    }
    return arguments;
}

bool can_be_read(lldb::StateType state) {
    return state == lldb::eStateStopped || state == lldb::eStateCrashed || state == lldb::eStateSuspended;
}

Result<lldb::SBProcess> stopped_process(lldb::SBTarget& target) {
    lldb::SBProcess process = target.GetProcess();
    if (!target.IsValid() || !process.IsValid())
        return fail(ErrorCode::InvalidArgument,
                    "no process: attach to one (process attach -p PID), launch one, or open a "
                    "core (target create --core FILE), then retry");
    lldb::StateType state = process.GetState();
    if (!can_be_read(state))
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("process {} is {}; py-xbt needs it stopped (process interrupt) "
                                "or a core file",
                                process.GetProcessID(), lldb::SBDebugger::StateAsCString(state)));
    return process;
}

Result<std::string> run_xbt(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(arguments, parse_arguments(argv));
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected));
    if (!arguments.all_threads) {
        lldb::SBThread thread = process.GetSelectedThread();
        if (!thread.IsValid())
            return fail(ErrorCode::InvalidArgument,
                        "no selected thread; pick one (thread select N) or pass -a for all");
        arguments.options.only_tid = static_cast<int64_t>(thread.GetThreadID());
    }
    // A fresh target per command: nothing read before the last resume is reused.
    SbTarget target(selected, process);
    PYXRAY_TRY(session, Session::open(target));
    PYXRAY_TRY(snapshot, session.xbt(arguments.options));
    std::string text = arguments.json ? render_xbt_json(snapshot) : render_xbt_text(snapshot);
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    return text;
}

std::string one_line(std::string message) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
    return message;
}

class XbtCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        // Nothing may unwind into LLDB: an escaping exception would end the user's session.
        try {
            auto output = run_xbt(debugger, command);
            if (!output) return report_error(result, output.error().message);
            result.Printf("%s", output->c_str());
            result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
            return true;
        } catch (const std::exception& error) {
            return report_error(result, fmt::format("internal error: {}", error.what()));
        } catch (...) {
            return report_error(result, "internal error");
        }
    }

private:
    static bool report_error(lldb::SBCommandReturnObject& result, const std::string& message) {
        result.SetError(one_line(fmt::format("py-xbt: {}", message)).c_str());
        return false;
    }
};

}  // namespace

bool add_xbt_command(lldb::SBCommandInterpreter& interpreter) {
    // LLDB owns the command object from here on and deletes it with the interpreter.
    lldb::SBCommand command = interpreter.AddCommand("py-xbt", new XbtCommand, kHelp, kSyntax);
    return command.IsValid();
}

}  // namespace pyxray::lldb_plugin

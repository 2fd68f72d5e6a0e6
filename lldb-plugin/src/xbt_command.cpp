// `py-xbt [-a|--all-threads] [--python-only] [--native-all] [--json]`: parse arguments, open a
// Session over the stopped process, render, hand the text to LLDB.
#include <fmt/format.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>
#include <lldb/API/SBThread.h>

#include <string>
#include <string_view>

#include "command_support.hpp"
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

Result<std::string> run_xbt(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(arguments, parse_arguments(argv));
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-xbt"));
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
    return arguments.json ? render_xbt_json(snapshot) : render_xbt_text(snapshot);
}

class XbtCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command("py-xbt", result, [&] { return run_xbt(debugger, command); });
    }
};

}  // namespace

bool add_xbt_command(lldb::SBCommandInterpreter& interpreter) {
    // LLDB owns the command object from here on and deletes it with the interpreter.
    lldb::SBCommand command = interpreter.AddCommand("py-xbt", new XbtCommand, kHelp, kSyntax);
    return command.IsValid();
}

}  // namespace pyxray::lldb_plugin

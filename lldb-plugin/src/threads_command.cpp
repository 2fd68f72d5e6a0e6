// `py-threads [--stacks] [--json]`: every thread's one-line status (tid, Python name, GIL, GC,
// state word, innermost Python frame), each merged stack under its line with --stacks.
#include <fmt/format.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBTarget.h>

#include <string>
#include <string_view>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/render.hpp"
#include "pyxray/session.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

constexpr const char* kSyntax = "py-threads [--stacks] [--json]";
constexpr const char* kHelp =
    "List every thread: OS tid, Python name (from the target's threading module, else the OS), "
    "whether it holds the GIL, whether the GC is running, its state (running, native, "
    "waiting_for_gil, idle, unknown) and innermost Python frame (--stacks: each merged stack "
    "under its line; --json: py-xbt's JSON document).";
constexpr size_t kMaxArguments = 64;

struct ThreadsArguments {
    bool stacks = false;
    bool json = false;
};

Result<ThreadsArguments> parse_arguments(char** argv) {
    ThreadsArguments arguments;
    for (size_t index = 0; argv != nullptr && argv[index] != nullptr; ++index) {
        if (index >= kMaxArguments) return fail(ErrorCode::InvalidArgument, "too many arguments");
        std::string_view argument(argv[index]);
        if (argument == "--stacks")
            arguments.stacks = true;
        else if (argument == "--json")
            arguments.json = true;
        else
            return fail(ErrorCode::InvalidArgument,
                        fmt::format("unknown option '{}'; valid options: --stacks, --json", argument));
    }
    return arguments;
}

Result<std::string> run_threads(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(arguments, parse_arguments(argv));
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-threads"));
    // A fresh target per command: nothing read before the last resume is reused.
    SbTarget target(selected, process);
    PYXRAY_TRY(session, Session::open(target));
    PYXRAY_TRY(snapshot, session.xbt(XbtOptions{}));
    if (arguments.json) return render_xbt_json(snapshot);
    return render_threads_text(snapshot, ThreadsRenderOptions{arguments.stacks, {}});
}

class ThreadsCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-threads", [&] { return run_threads(debugger, command); });
    }
};

}  // namespace

bool add_threads_command(lldb::SBCommandInterpreter& interpreter) {
    // LLDB owns the command object from here on and deletes it with the interpreter.
    lldb::SBCommand command = interpreter.AddCommand("py-threads", new ThreadsCommand, kHelp, kSyntax);
    return command.IsValid();
}

}  // namespace pyxray::lldb_plugin

// `py-threads [--stacks] [--json]`: every thread's one-line status (tid, Python name, GIL, GC,
// state word, innermost Python frame), each merged stack under its line with --stacks.
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBTarget.h>

#include <string>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/session.hpp"
#include "pyxray/xbt_command.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

Result<std::string> run_threads(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(command, parse_threads_command(words));
    command.output_is_terminal = debugger_colors(debugger);
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-threads"));
    // A fresh target per command: nothing read before the last resume is reused.
    SbTarget target(selected, process);
    PYXRAY_TRY(session, Session::open(target));
    PYXRAY_TRY(snapshot, session.xbt(XbtOptions{}));
    return render_threads_command(snapshot, command);
}

class ThreadsCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-threads", [&] { return run_threads(debugger, command); });
    }
};

}  // namespace

bool add_threads_command(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-threads", new ThreadsCommand);
}

}  // namespace pyxray::lldb_plugin

// `py-xbt [-a|--all-threads] [--python-only] [--native-all] [--locals ...] [--json]`: the core
// parses the words and renders; this file opens a Session over LLDB's stopped process.
#include "pyxray/xbt_command.hpp"

#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>

#include <string>
#include <vector>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/session.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

Result<std::string> run_xbt(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(command, parse_xbt_command(words));
    command.output_is_terminal = debugger_colors(debugger);
    XbtOptions options = xbt_options(command);
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-xbt"));
    if (!command.all_threads) {
        PYXRAY_TRY(tid, selected_thread_id(process));
        options.only_tid = tid;
    }
    // A fresh target per command: nothing read before the last resume is reused.
    SbTarget target(selected, process);
    PYXRAY_TRY(session, Session::open(target));
    PYXRAY_TRY(snapshot, session.xbt(options));
    return render_xbt_command(snapshot, command);
}

class XbtCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-xbt", [&] { return run_xbt(debugger, command); });
    }
};

}  // namespace

bool add_xbt_command(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-xbt", new XbtCommand);
}

}  // namespace pyxray::lldb_plugin

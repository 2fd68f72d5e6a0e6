// `py-tasks [--tree] [--json]`: every asyncio task, what it awaits and who awaits it. The core
// parses, reads and renders; this file hands it LLDB's target.
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBTarget.h>

#include <string>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/session.hpp"
#include "pyxray/tasks.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

Result<std::string> run_tasks(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(command, parse_tasks_command(words));
    command.color =
        use_color_in(debugger, command.color, command.json) ? ColorMode::Always : ColorMode::Never;
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-tasks"));
    SbTarget target(selected, process);  // a fresh target per command: nothing stale reused
    PYXRAY_TRY(session, Session::open(target));
    return run_tasks_command(session, command);
}

class TasksCommand final : public lldb::SBCommandPluginInterface {
public:
    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, "py-tasks", [&] { return run_tasks(debugger, command); });
    }
};

}  // namespace

bool add_tasks_command(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-tasks", new TasksCommand);
}

}  // namespace pyxray::lldb_plugin

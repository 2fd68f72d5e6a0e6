// The commands whose whole work is the core's: parse the words, read the stopped process,
// render. py-tasks (every asyncio task, what it awaits, who awaits it) and py-heap (the
// collector's objects by type, the biggest containers and who refers to them); this file only
// hands the core LLDB's target.
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBTarget.h>

#include <string>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/heap.hpp"
#include "pyxray/session.hpp"
#include "pyxray/tasks.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

// `Parse(words)` gives a command with `color` and `json`; `Run(session, command)` its text.
template <auto Parse, auto Run>
class SessionCommand final : public lldb::SBCommandPluginInterface {
public:
    explicit SessionCommand(const char* name) : name_(name) {}

    bool DoExecute(lldb::SBDebugger debugger, char** argv, lldb::SBCommandReturnObject& result) override {
        return run_command(result, name_, [&]() -> Result<std::string> {
            PYXRAY_TRY(words, words_of(argv));
            PYXRAY_TRY(command, Parse(words));
            command.color =
                use_color_in(debugger, command.color, command.json) ? ColorMode::Always : ColorMode::Never;
            lldb::SBTarget selected = debugger.GetSelectedTarget();
            PYXRAY_TRY(process, stopped_process(selected, name_));
            SbTarget target(selected, process);  // a fresh target per command: nothing stale reused
            PYXRAY_TRY(session, Session::open(target));
            return Run(session, command);
        });
    }

private:
    const char* name_;
};

}  // namespace

bool add_tasks_command(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-tasks",
                                 new SessionCommand<parse_tasks_command, run_tasks_command>("py-tasks"));
}

bool add_heap_command(lldb::SBCommandInterpreter& interpreter) {
    return add_described_command(interpreter, "py-heap",
                                 new SessionCommand<parse_heap_command, run_heap_command>("py-heap"));
}

}  // namespace pyxray::lldb_plugin

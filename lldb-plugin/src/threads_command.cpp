// `py-threads [--stacks] [--json]`: every thread's one-line status (tid, Python name, GIL, GC,
// state word, innermost Python frame), each merged stack under its line with --stacks.
#include <fmt/format.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBTarget.h>

#include <string>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/color.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/render.hpp"
#include "pyxray/session.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

struct ThreadsArguments {
    bool stacks = false;
    bool json = false;
    ColorMode color = ColorMode::Auto;
};

Result<ThreadsArguments> parse_arguments(char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    ThreadsArguments arguments;
    for (size_t index = 0; index < words.size(); ++index) {
        PYXRAY_TRY(color, take_color_option(words, index, arguments.color));
        if (color) continue;
        if (words[index] == "--stacks")
            arguments.stacks = true;
        else if (words[index] == "--json")
            arguments.json = true;
        else
            return fail(ErrorCode::InvalidArgument,
                        unknown_option_message(*find_command_help("py-threads"), words[index]));
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
    RenderOptions frames{.color = use_color_in(debugger, arguments.color, false)};
    return render_threads_text(snapshot, ThreadsRenderOptions{arguments.stacks, frames});
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

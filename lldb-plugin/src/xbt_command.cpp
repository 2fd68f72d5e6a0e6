// `py-xbt [-a|--all-threads] [--python-only] [--native-all] [--locals ...] [--json]`: parse
// arguments, open a Session over the stopped process, render, hand the text to LLDB.
#include <fmt/format.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>

#include <string>
#include <vector>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/color.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/render.hpp"
#include "pyxray/session.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

struct XbtArguments {
    bool all_threads = false;
    bool json = false;
    bool locals = false;
    ColorMode color = ColorMode::Auto;
    ReprLimits limits;
    XbtOptions options;
};

Result<XbtArguments> parse_arguments(const std::vector<std::string>& words) {
    XbtArguments arguments;
    for (size_t index = 0; index < words.size(); ++index) {
        const std::string& word = words[index];
        PYXRAY_TRY(limit, take_repr_limit_option(words, index, arguments.limits));
        if (limit) continue;
        PYXRAY_TRY(color, take_color_option(words, index, arguments.color));
        if (color) continue;
        if (word == "-a" || word == "--all-threads") {
            arguments.all_threads = true;
        } else if (word == "--python-only") {
            arguments.options.python_only = true;
        } else if (word == "--native-all") {
            arguments.options.native_all = true;
        } else if (word == "--locals") {
            arguments.locals = true;
        } else if (word == "--json") {
            arguments.json = true;
        } else {
            return fail(ErrorCode::InvalidArgument,
                        unknown_option_message(*find_command_help("py-xbt"), word));
        }
    }
    if (arguments.locals) arguments.options.locals = arguments.limits;
    return arguments;
}

Result<std::string> run_xbt(lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(arguments, parse_arguments(words));
    lldb::SBTarget selected = debugger.GetSelectedTarget();
    PYXRAY_TRY(process, stopped_process(selected, "py-xbt"));
    if (!arguments.all_threads) {
        PYXRAY_TRY(tid, selected_thread_id(process));
        arguments.options.only_tid = tid;
    }
    // A fresh target per command: nothing read before the last resume is reused.
    SbTarget target(selected, process);
    PYXRAY_TRY(session, Session::open(target));
    PYXRAY_TRY(snapshot, session.xbt(arguments.options));
    if (arguments.json) return render_xbt_json(snapshot);
    return render_xbt_text(snapshot, RenderOptions{.color = use_color_in(debugger, arguments.color, false)});
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

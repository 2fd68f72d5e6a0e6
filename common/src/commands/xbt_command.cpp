// py-xbt / py-threads / `pyxray xbt` / `pyxray threads`: parsed and rendered here, once.
#include "pyxray/xbt_command.hpp"

#include "pyxray/command_help.hpp"
#include "pyxray/render.hpp"

namespace pyxray {
namespace {

bool take_xbt_flag(const std::string& word, XbtCommand& command) {
    bool* flag = word == "-a" || word == "--all-threads" ? &command.all_threads
                 : word == "--python-only"               ? &command.python_only
                 : word == "--native-all"                ? &command.native_all
                 : word == "--locals"                    ? &command.locals
                 : word == "--json"                      ? &command.json
                                                         : nullptr;
    if (flag == nullptr) return false;
    *flag = true;
    return true;
}

pyxray::unexpected<Error> unknown_option(std::string_view command, const std::string& word) {
    return fail(ErrorCode::InvalidArgument, unknown_option_message(*find_command_help(command), word));
}

}  // namespace

Result<XbtCommand> parse_xbt_command(const std::vector<std::string>& words) {
    XbtCommand command;
    for (size_t index = 0; index < words.size(); ++index) {
        PYXRAY_TRY(took_limit, take_repr_limit_option(words, index, command.limits));
        if (took_limit) continue;
        PYXRAY_TRY(took_color, take_color_option(words, index, command.color));
        if (took_color) continue;
        if (!take_xbt_flag(words[index], command)) return unknown_option("py-xbt", words[index]);
    }
    return command;
}

Result<ThreadsCommand> parse_threads_command(const std::vector<std::string>& words) {
    ThreadsCommand command;
    for (size_t index = 0; index < words.size(); ++index) {
        PYXRAY_TRY(took_color, take_color_option(words, index, command.color));
        if (took_color) continue;
        if (words[index] == "--stacks")
            command.stacks = true;
        else if (words[index] == "--json")
            command.json = true;
        else
            return unknown_option("py-threads", words[index]);
    }
    return command;
}

XbtOptions xbt_options(const XbtCommand& command) {
    XbtOptions options;
    options.python_only = command.python_only;
    options.native_all = command.native_all;
    if (command.locals) options.locals = command.limits;
    return options;
}

std::string render_xbt_command(const Snapshot& snapshot, const XbtCommand& command) {
    if (command.json) return render_xbt_json(snapshot);
    return render_xbt_text(
        snapshot, RenderOptions{.color = use_color(command.color, command.output_is_terminal, false)});
}

std::string render_threads_command(const Snapshot& snapshot, const ThreadsCommand& command) {
    if (command.json) return render_xbt_json(snapshot);
    RenderOptions frames{.color = use_color(command.color, command.output_is_terminal, false)};
    return render_threads_text(snapshot, ThreadsRenderOptions{command.stacks, frames});
}

}  // namespace pyxray

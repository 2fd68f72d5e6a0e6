// py-tasks / `pyxray tasks`: parsed and run here, once, for every front-end.
#include <fmt/format.h>

#include "pyxray/command_help.hpp"
#include "pyxray/render.hpp"
#include "pyxray/session.hpp"
#include "pyxray/tasks.hpp"

namespace pyxray {

Result<TasksCommand> parse_tasks_command(const std::vector<std::string>& words) {
    TasksCommand command;
    for (size_t index = 0; index < words.size(); ++index) {
        const std::string& word = words[index];
        PYXRAY_TRY(took_color, take_color_option(words, index, command.color));
        if (took_color) continue;
        if (word == "--tree")
            command.tree = true;
        else if (word == "--json")
            command.json = true;
        else
            return fail(ErrorCode::InvalidArgument,
                        unknown_option_message(*find_command_help("py-tasks"), word));
    }
    return command;
}

Result<std::string> run_tasks_command(const Session& session, const TasksCommand& command) {
    PYXRAY_TRY(report, session.tasks());
    if (command.json) return render_tasks_json(report);
    bool color = use_color(command.color, command.output_is_terminal, false);
    return command.tree ? render_tasks_tree(report, color) : render_tasks_text(report, color);
}

}  // namespace pyxray

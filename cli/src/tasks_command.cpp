#include "tasks_command.hpp"

#include "help.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/session.hpp"
#include "pyxray/tasks.hpp"

namespace pyxray::cli {

CLI::App* add_tasks_command(CLI::App& app, TasksArguments& args) {
    const CommandHelp& help = *find_command_help("py-tasks");
    CLI::App* tasks = app.add_subcommand("tasks", std::string(help.summary));
    TargetOptionHandles handles = add_target_options(*tasks, args.target);
    tasks->callback([&args, handles] { check_target_options(handles, args.target, "tasks"); });
    tasks->add_flag("--tree", args.tree,
                    "Print the await graph as a tree, each task with its coroutine chain");
    tasks->add_flag("--json", args.json, "Print one JSON document instead of text");
    add_color_option(*tasks, args.color);
    add_examples(*tasks, {"pyxray tasks --pid 1234", "pyxray tasks --core core.1234 --tree",
                          "pyxray tasks --pid 1234 --json"});
    return tasks;
}

Result<CommandOutput> run_tasks(const TasksArguments& args) {
    TasksCommand command;
    command.tree = args.tree;
    command.json = args.json;
    command.color = color_stdout(args.color, args.json) ? ColorMode::Always : ColorMode::Never;
    PYXRAY_TRY(target, open_target(args.target));
    PYXRAY_TRY(session, Session::open(*target));
    return text_only(run_tasks_command(session, command));
}

}  // namespace pyxray::cli

#include "threads_command.hpp"

#include "help.hpp"
#include "pyxray/session.hpp"

namespace pyxray::cli {

CLI::App* add_threads_command(CLI::App& app, ThreadsArguments& args) {
    CLI::App* threads = app.add_subcommand(
        "threads", "One line per thread: tid, Python name, GIL, GC, state and innermost Python frame");
    TargetOptionHandles handles = add_target_options(*threads, args.target);
    threads->callback([&args, handles] { check_target_options(handles, args.target, "threads"); });
    threads->add_flag("--stacks", args.command.stacks, "Add each thread's merged stack under its line");
    threads->add_flag("--json", args.command.json, "Print one JSON document instead of text");
    add_color_option(*threads, args.color);
    add_examples(*threads, {"pyxray threads --pid 1234", "pyxray threads --core core.1234 --stacks"});
    return threads;
}

Result<CommandOutput> run_threads(ThreadsArguments& args) {
    args.command.color = color_stdout(args.color, args.command.json) ? ColorMode::Always : ColorMode::Never;
    Snapshot snapshot;
    {
        PYXRAY_TRY(target, open_target(args.target));
        PYXRAY_TRY(session, Session::open(*target));
        PYXRAY_TRY(taken, session.xbt(XbtOptions{}));
        snapshot = std::move(taken);
    }
    return snapshot_output(snapshot, render_threads_command(snapshot, args.command));
}

}  // namespace pyxray::cli

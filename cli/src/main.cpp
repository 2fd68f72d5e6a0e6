// The `pyxray` command: parse arguments -> Target -> Session -> render -> stdout.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "core_command.hpp"
#include "debuginfod.hpp"
#include "heap_command.hpp"
#include "help.hpp"
#include "init_lines.hpp"
#include "pyxray/session.hpp"
#include "pyxray/xbt_command.hpp"
#include "repr_command.hpp"
#include "sample_command.hpp"
#include "target_options.hpp"
#include "tasks_command.hpp"
#include "threads_command.hpp"

namespace {

using namespace pyxray;

struct XbtArguments {
    cli::TargetOptions target;
    XbtCommand command;  // the core's options and defaults; the CLI shows every thread
    std::string color = "auto";
};

// The core's defaults (ReprLimits), as --help states them.
std::string limit_help(std::string_view what, size_t default_value) {
    return fmt::format("With --locals: {} (default {})", what, default_value);
}

void add_xbt_command(CLI::App& app, XbtArguments& args) {
    CLI::App* xbt = app.add_subcommand(
        "xbt", "Merged Python/C backtrace of every thread of a live process or a core dump");
    cli::TargetOptionHandles handles = cli::add_target_options(*xbt, args.target);
    XbtCommand& command = args.command;
    command.all_threads = true;
    const ReprLimits defaults;
    xbt->add_flag("--python-only", command.python_only, "Show Python frames only");
    xbt->add_flag("--native-all", command.native_all, "Keep the interpreter's own plumbing frames");
    xbt->add_flag("--locals", command.locals, "Show each Python frame's arguments and local variables");
    xbt->add_option("--max-string", command.limits.max_string,
                    limit_help("characters of a str shown", defaults.max_string))
        ->check(CLI::PositiveNumber);
    xbt->add_option("--max-items", command.limits.max_items,
                    limit_help("items of a container shown", defaults.max_items))
        ->check(CLI::PositiveNumber);
    xbt->add_option("--max-depth", command.limits.max_depth,
                    limit_help("nesting levels shown", defaults.max_depth))
        ->check(CLI::PositiveNumber);
    xbt->add_flag("--verbose", command.limits.verbose,
                  "With --locals: also the attributes of class instances");
    xbt->add_flag("--json", command.json, "Print one JSON document instead of text");
    cli::add_color_option(*xbt, args.color);
    cli::add_examples(*xbt, {"pyxray xbt --pid 1234", "pyxray xbt 1234", "pyxray xbt core.1234 --locals",
                             "pyxray xbt --pid 1234 --python-only --json"});
    xbt->callback([&args, handles] { cli::check_target_options(handles, args.target, "xbt"); });
}

// Returns the rendered text only after the target is gone, so a live process resumes before we
// spend time writing.
Result<cli::CommandOutput> run_xbt(XbtArguments& args) {
    args.command.color =
        cli::color_stdout(args.color, args.command.json) ? ColorMode::Always : ColorMode::Never;
    PYXRAY_TRY(target, cli::open_target(args.target));
    PYXRAY_TRY(session, Session::open(*target));
    PYXRAY_TRY(snapshot, session.xbt(xbt_options(args.command)));
    return cli::snapshot_output(snapshot, render_xbt_command(snapshot, args.command));
}

int report_error(const std::string& message) {
    std::fprintf(stderr, "pyxray: %s\n", message.c_str());
    return EXIT_FAILURE;
}

int run(int argc, char** argv) {
    CLI::App app{
        "pyxray: X-rays of Python processes and core dumps: merged Python/C stacks, threads, "
        "objects and crashes, read from memory without running code in the target",
        "pyxray"};
    app.set_version_flag("--version", cli::version_text());
    app.require_subcommand(1);
    cli::add_examples(app,
                      {"pyxray xbt --pid 1234", "pyxray core core.1234", "pyxray threads --pid 1234",
                       "pyxray heap --core core.1234", "pyxray gdbinit >> ~/.gdbinit", "pyxray xbt --help"});
    XbtArguments args;
    add_xbt_command(app, args);
    cli::ThreadsArguments threads_args;
    CLI::App* threads = cli::add_threads_command(app, threads_args);
    cli::TasksArguments tasks_args;
    CLI::App* tasks = cli::add_tasks_command(app, tasks_args);
    cli::HeapArguments heap_args;
    CLI::App* heap = cli::add_heap_command(app, heap_args);
    cli::ReprArguments repr_args;
    CLI::App* repr = cli::add_repr_command(app, repr_args);
    cli::CoreArguments core_args;
    CLI::App* core = cli::add_core_command(app, core_args);
    cli::InitCommands init = cli::add_init_commands(app);
    cli::SampleArguments sample_args;
    CLI::App* sample = cli::add_sample_command(app, sample_args);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& request) {
        return app.exit(request);
    } catch (const CLI::CallForAllHelp& request) {
        return app.exit(request);
    } catch (const CLI::CallForVersion& request) {
        return app.exit(request);
    } catch (const CLI::ParseError& error) {
        return report_error(cli::parse_error_message(app, error));
    }
    if (repr->parsed()) return cli::run_repr_command(repr_args);
    if (sample->parsed()) return cli::run_sample(sample_args);
    auto output = threads->parsed()         ? cli::run_threads(threads_args)
                  : tasks->parsed()         ? cli::run_tasks(tasks_args)
                  : heap->parsed()          ? cli::run_heap(heap_args)
                  : core->parsed()          ? cli::run_core(core_args)
                  : init.gdbinit->parsed()  ? cli::text_only(cli::gdbinit_line())
                  : init.lldbinit->parsed() ? cli::text_only(cli::lldbinit_line())
                                            : run_xbt(args);
    if (!output) return report_error(output.error().message);
    std::string& text = output->text;
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (std::fflush(stdout) != 0) return report_error("cannot write to standard output");
    return output->failure ? report_error(*output->failure) : EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
    // Without a server named, libdw asks none; with one, symbols come by build-id.
    pyxray::cli::configure_debuginfod();
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        return report_error(fmt::format("internal error: {}", error.what()));
    }
}

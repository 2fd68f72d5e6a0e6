// The `pyxray` command: parse arguments -> Target -> Session -> render -> stdout.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "core_target.hpp"
#include "live_target.hpp"
#include "pyxray/render.hpp"
#include "pyxray/session.hpp"
#include "repr_command.hpp"

namespace {

using namespace pyxray;

struct XbtArguments {
    int pid = 0;
    std::string core;
    std::string exe;
    bool has_pid = false;
    bool has_core = false;
    bool has_exe = false;
    bool python_only = false;
    bool native_all = false;
    bool json = false;
};

void add_xbt_command(CLI::App& app, XbtArguments& args) {
    CLI::App* xbt = app.add_subcommand(
        "xbt", "Merged Python/C backtrace of every thread of a live process or a core dump");
    CLI::Option* pid = xbt->add_option("--pid", args.pid, "Process to stop, inspect and resume");
    CLI::Option* core = xbt->add_option("--core", args.core, "ELF core dump to inspect");
    CLI::Option* exe = xbt->add_option(
        "--exe", args.exe, "Executable that produced the core (default: found from the core's notes)");
    pid->excludes(core);
    exe->needs(core);
    xbt->add_flag("--python-only", args.python_only, "Show Python frames only");
    xbt->add_flag("--native-all", args.native_all, "Keep the interpreter's own plumbing frames");
    xbt->add_flag("--json", args.json, "Print one JSON document instead of text");
    xbt->callback([&args, pid, core, exe] {
        args.has_pid = pid->count() > 0;
        args.has_core = core->count() > 0;
        args.has_exe = exe->count() > 0;
        if (!args.has_pid && !args.has_core) throw CLI::ValidationError("xbt needs --pid PID or --core CORE");
    });
}

Result<std::unique_ptr<Target>> open_target(const XbtArguments& args) {
    if (args.has_pid) {
        PYXRAY_TRY(live, cli::LiveTarget::attach(args.pid));
        return std::unique_ptr<Target>(std::move(live));
    }
    std::optional<std::string> exe;
    if (args.has_exe) exe = args.exe;
    PYXRAY_TRY(core, cli::CoreTarget::open(args.core, exe));
    return std::unique_ptr<Target>(std::move(core));
}

// Returns the rendered text only after the target is gone, so a live process resumes before we
// spend time writing.
Result<std::string> run_xbt(const XbtArguments& args) {
    PYXRAY_TRY(target, open_target(args));
    PYXRAY_TRY(session, Session::open(*target));
    XbtOptions options;
    options.python_only = args.python_only;
    options.native_all = args.native_all;
    PYXRAY_TRY(snapshot, session.xbt(options));
    return args.json ? render_xbt_json(snapshot) : render_xbt_text(snapshot);
}

int report_error(const std::string& message) {
    std::fprintf(stderr, "pyxray: %s\n", message.c_str());
    return EXIT_FAILURE;
}

int run(int argc, char** argv) {
    CLI::App app{"pyxray: X-rays of Python processes and core dumps", "pyxray"};
    app.set_version_flag("--version", std::string("pyxray ") + PYXRAY_VERSION);
    app.require_subcommand(1);
    XbtArguments args;
    add_xbt_command(app, args);
    cli::ReprArguments repr_args;
    CLI::App* repr = cli::add_repr_command(app, repr_args);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& request) {
        return app.exit(request);
    } catch (const CLI::CallForAllHelp& request) {
        return app.exit(request);
    } catch (const CLI::CallForVersion& request) {
        return app.exit(request);
    } catch (const CLI::ParseError& error) {
        return report_error(fmt::format("{}; see pyxray --help", error.what()));
    }
    if (repr->parsed()) return cli::run_repr_command(repr_args);
    auto output = run_xbt(args);
    if (!output) return report_error(output.error().message);
    if (!output->empty() && output->back() != '\n') output->push_back('\n');
    std::fwrite(output->data(), 1, output->size(), stdout);
    return std::fflush(stdout) == 0 ? EXIT_SUCCESS : report_error("cannot write to standard output");
}

}  // namespace

int main(int argc, char** argv) {
    // libdw would otherwise ask debuginfod servers over the network for every module it unwinds.
    unsetenv("DEBUGINFOD_URLS");
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        return report_error(fmt::format("internal error: {}", error.what()));
    }
}

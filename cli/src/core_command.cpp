#include "core_command.hpp"

#include "help.hpp"
#include "pyxray/render.hpp"
#include "pyxray/session.hpp"

namespace pyxray::cli {

CLI::App* add_core_command(CLI::App& app, CoreArguments& args) {
    CLI::App* core =
        app.add_subcommand("core", "Why a process died and what every thread was doing, from its core dump");
    TargetOptionHandles handles = add_core_target_options(*core, args.target);
    core->add_flag("--json", args.json,
                   "Print one JSON document (py-xbt --json's, with \"crash\") instead of text");
    add_examples(*core, {"pyxray core core.1234", "pyxray core core.1234 --sysroot /srv/sysroot --json"});
    core->callback([&args, handles] { check_target_options(handles, args.target, "core"); });
    return core;
}

namespace {

// The Python snapshot, or its native one for a core of a program without CPython or a core cut
// short before the runtime's data (the report then still shows the signal and the stacks).
Result<Snapshot> core_snapshot(const Target& target) {
    auto session = Session::open(target);
    if (!session && (session.error().code == ErrorCode::NotPython || target.info().truncation))
        return native_snapshot(target, session.error().message);
    if (!session) return pyxray::unexpected(session.error());
    auto snapshot = session->xbt(XbtOptions{});
    if (!snapshot && target.info().truncation) return native_snapshot(target, snapshot.error().message);
    return snapshot;
}

}  // namespace

Result<CommandOutput> run_core(const CoreArguments& args) {
    PYXRAY_TRY(target, open_target(args.target));
    PYXRAY_TRY(snapshot, core_snapshot(*target));
    return snapshot_output(snapshot,
                           args.json ? render_xbt_json(snapshot) : render_crash_report_text(snapshot));
}

}  // namespace pyxray::cli

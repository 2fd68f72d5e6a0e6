#include "target_options.hpp"

#include <optional>

#include "core_target.hpp"
#include "live_target.hpp"

namespace pyxray::cli {

namespace {

// How to read a core, for --core and for `pyxray core CORE` alike.
void add_core_reading_options(CLI::App& command, TargetOptions& options, TargetOptionHandles& handles) {
    handles.exe = command.add_option(
        "--exe", options.exe, "Executable that produced the core (default: found from the core's notes)");
    handles.sysroot = command.add_option(
        "--sysroot", options.sysroot,
        "With a core: look a recorded module path /P up as DIR/P first (a core from another machine)");
    handles.lib_path = command.add_option(
        "--lib-path", options.lib_paths,
        "With a core, repeatable: look a missing or mismatched module up by file name in DIR");
    handles.exe->needs(handles.core);
    handles.sysroot->needs(handles.core)->check(CLI::ExistingDirectory);
    handles.lib_path->needs(handles.core)->check(CLI::ExistingDirectory)->allow_extra_args(false);
}

}  // namespace

TargetOptionHandles add_target_options(CLI::App& command, TargetOptions& options) {
    TargetOptionHandles handles{};
    handles.pid = command.add_option("--pid", options.pid, "Process to stop, inspect and resume");
    handles.core = command.add_option("--core", options.core, "ELF core dump to inspect");
    add_core_reading_options(command, options, handles);
    handles.pid->excludes(handles.core);
    return handles;
}

TargetOptionHandles add_core_target_options(CLI::App& command, TargetOptions& options) {
    TargetOptionHandles handles{};
    handles.core = command.add_option("CORE", options.core, "ELF core dump to inspect")->required();
    add_core_reading_options(command, options, handles);
    return handles;
}

void check_target_options(const TargetOptionHandles& handles, TargetOptions& options,
                          const std::string& name) {
    options.has_pid = handles.pid != nullptr && handles.pid->count() > 0;
    options.has_core = handles.core->count() > 0;
    options.has_exe = handles.exe->count() > 0;
    if (!options.has_pid && !options.has_core)
        throw CLI::ValidationError(name + " needs --pid PID or --core CORE");
}

Result<std::unique_ptr<Target>> open_target(const TargetOptions& options) {
    if (options.has_pid) {
        PYXRAY_TRY(live, LiveTarget::attach(options.pid));
        return std::unique_ptr<Target>(std::move(live));
    }
    std::optional<std::string> exe;
    if (options.has_exe) exe = options.exe;
    PYXRAY_TRY(core, CoreTarget::open(options.core, exe, CoreSearch{options.sysroot, options.lib_paths}));
    return std::unique_ptr<Target>(std::move(core));
}

}  // namespace pyxray::cli

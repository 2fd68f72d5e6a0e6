#include "target_options.hpp"

#include <optional>

#include "core_target.hpp"
#include "live_target.hpp"

namespace pyxray::cli {

void add_target_options(CLI::App& command, TargetOptions& options) {
    CLI::Option* pid = command.add_option("--pid", options.pid, "Process to stop, inspect and resume");
    CLI::Option* core = command.add_option("--core", options.core, "ELF core dump to inspect");
    CLI::Option* exe = command.add_option(
        "--exe", options.exe, "Executable that produced the core (default: found from the core's notes)");
    pid->excludes(core);
    exe->needs(core);
    std::string name = command.get_name();
    command.callback([&options, pid, core, exe, name] {
        options.has_pid = pid->count() > 0;
        options.has_core = core->count() > 0;
        options.has_exe = exe->count() > 0;
        if (!options.has_pid && !options.has_core)
            throw CLI::ValidationError(name + " needs --pid PID or --core CORE");
    });
}

Result<std::unique_ptr<Target>> open_target(const TargetOptions& options) {
    if (options.has_pid) {
        PYXRAY_TRY(live, LiveTarget::attach(options.pid));
        return std::unique_ptr<Target>(std::move(live));
    }
    std::optional<std::string> exe;
    if (options.has_exe) exe = options.exe;
    PYXRAY_TRY(core, CoreTarget::open(options.core, exe));
    return std::unique_ptr<Target>(std::move(core));
}

}  // namespace pyxray::cli

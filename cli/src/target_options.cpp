#include "target_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
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
    handles.sysroot->check(CLI::ExistingDirectory);
    handles.lib_path->check(CLI::ExistingDirectory)->allow_extra_args(false);
}

}  // namespace

bool is_pid_word(const std::string& word) {
    return !word.empty() && word.size() < 10 &&
           std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); });
}

void take_positional_target(const std::string& word, TargetOptions& options) {
    if (is_pid_word(word)) {
        std::from_chars(word.data(), word.data() + word.size(), options.pid);
        options.has_pid = true;
    } else {
        options.core = word;
        options.has_core = true;
    }
}

TargetOptionHandles add_target_options(CLI::App& command, TargetOptions& options, bool positional) {
    TargetOptionHandles handles{};
    handles.pid = command.add_option("-p,--pid", options.pid, "Process to stop, inspect and resume");
    handles.core = command.add_option("--core", options.core, "ELF core dump to inspect");
    add_core_reading_options(command, options, handles);
    handles.pid->excludes(handles.core);
    if (positional)
        handles.positional =
            command.add_option("target", options.positional,
                               "PID (a lone number) or CORE (a path): --pid or --core without the option");
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
    options.has_pid = options.has_pid || (handles.pid != nullptr && handles.pid->count() > 0);
    options.has_core = options.has_core || handles.core->count() > 0;
    options.has_exe = handles.exe->count() > 0;
    if (handles.positional != nullptr && handles.positional->count() > 0) {
        if (options.has_pid || options.has_core)
            throw CLI::ValidationError(fmt::format("{}: give the target once: '{}' and {}", name,
                                                   options.positional, options.has_pid ? "--pid" : "--core"));
        take_positional_target(options.positional, options);
    }
    if (!options.has_pid && !options.has_core)
        throw CLI::ValidationError(name + " needs a target: PID, CORE, --pid PID or --core CORE");
    for (const CLI::Option* option : {handles.exe, handles.sysroot, handles.lib_path})
        if (option->count() > 0 && !options.has_core)
            throw CLI::ValidationError(
                fmt::format("{} reads a core: give CORE (or --core CORE), not a pid", option->get_name()));
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

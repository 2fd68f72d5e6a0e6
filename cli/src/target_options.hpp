// The `[-p|--pid] PID | [--core] CORE [--exe PATH] [--sysroot DIR] [--lib-path DIR ...]` options
// every subcommand that reads a target takes (xbt, threads, repr), and opening that target. A
// target given without its option is a pid when it is a lone number, else a core's path.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "pyxray/result.hpp"
#include "pyxray/target.hpp"

namespace pyxray::cli {

struct TargetOptions {
    int pid = 0;
    std::string core;
    std::string exe;
    // Cores from other machines: where their modules are here (a copy must have the build-id
    // the core recorded).
    std::string sysroot;
    std::vector<std::string> lib_paths;
    std::string positional;  // the target without --pid or --core
    bool has_pid = false;
    bool has_core = false;
    bool has_exe = false;
};

// Adds the options to `command`; call check_target_options() from its callback.
struct TargetOptionHandles {
    CLI::Option* pid;
    CLI::Option* core;
    CLI::Option* exe;
    CLI::Option* sysroot;
    CLI::Option* lib_path;
    CLI::Option* positional = nullptr;
};
// With `positional`, also a TARGET argument (commands with other positional arguments leave it
// out and pass their first one to take_positional_target).
TargetOptionHandles add_target_options(CLI::App& command, TargetOptions& options, bool positional = true);
// For commands that read only cores (`pyxray core CORE`): the core as a positional argument,
// with the same options for reading it as --core has. `pid` stays null.
TargetOptionHandles add_core_target_options(CLI::App& command, TargetOptions& options);
// Records which options were given; throws CLI::ValidationError (CLI11's way) without a target.
void check_target_options(const TargetOptionHandles& handles, TargetOptions& options,
                          const std::string& name);
// `word` (all digits) as a pid, else as a core's path: what a target given without its option is.
void take_positional_target(const std::string& word, TargetOptions& options);
// Whether `word` is a lone number: a pid, where a target or a program could stand.
bool is_pid_word(const std::string& word);

// A stopped live process or an opened core.
Result<std::unique_ptr<Target>> open_target(const TargetOptions& options);

}  // namespace pyxray::cli

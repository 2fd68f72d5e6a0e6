// The `--pid PID | --core CORE [--exe PATH] [--sysroot DIR] [--lib-path DIR ...]` options every
// subcommand that reads a target takes (xbt, threads, repr), and opening that target.
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
};
TargetOptionHandles add_target_options(CLI::App& command, TargetOptions& options);
// For commands that read only cores (`pyxray core CORE`): the core as a positional argument,
// with the same options for reading it as --core has. `pid` stays null.
TargetOptionHandles add_core_target_options(CLI::App& command, TargetOptions& options);
// Records which options were given; throws CLI::ValidationError (CLI11's way) without a target.
void check_target_options(const TargetOptionHandles& handles, TargetOptions& options,
                          const std::string& name);

// A stopped live process or an opened core.
Result<std::unique_ptr<Target>> open_target(const TargetOptions& options);

}  // namespace pyxray::cli

// The target every `pyxray` subcommand inspects: --pid PID, or --core CORE [--exe PATH].
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "pyxray/result.hpp"
#include "pyxray/target.hpp"

namespace pyxray::cli {

struct TargetOptions {
    int pid = 0;
    std::string core;
    std::string exe;
    bool has_pid = false;
    bool has_core = false;
    bool has_exe = false;
};

// Adds --pid, --core and --exe to `command`; its callback (set here) checks one target was named.
void add_target_options(CLI::App& command, TargetOptions& options);

// A live process (stopped while the target lives) or a core.
Result<std::unique_ptr<Target>> open_target(const TargetOptions& options);

}  // namespace pyxray::cli

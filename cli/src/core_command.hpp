// `pyxray core CORE [--exe PATH] [--json]`: crash-dump triage. The process, its fatal signal
// (or that a debugger wrote the core while it ran), the crashing thread first with the
// exception it was handling and its merged stack, then every other thread.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "command_output.hpp"
#include "pyxray/result.hpp"
#include "target_options.hpp"

namespace pyxray::cli {

struct CoreArguments {
    TargetOptions target;
    bool json = false;
};

CLI::App* add_core_command(CLI::App& app, CoreArguments& args);
// Exit 0 for a core of a program without CPython too: its signal and native stacks are the triage.
Result<CommandOutput> run_core(const CoreArguments& args);

}  // namespace pyxray::cli

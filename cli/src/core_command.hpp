// `pyxray core CORE [--exe PATH] [--json]`: crash-dump triage. The process, its fatal signal
// (or that a debugger wrote the core while it ran), the crashing thread first with the
// exception it was handling and its merged stack, then every other thread.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pyxray/result.hpp"
#include "target_options.hpp"

namespace pyxray::cli {

struct CoreArguments {
    TargetOptions target;
    bool json = false;
};

CLI::App* add_core_command(CLI::App& app, CoreArguments& args);
Result<std::string> run_core(const CoreArguments& args);

}  // namespace pyxray::cli

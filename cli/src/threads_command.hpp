// `pyxray threads (--pid PID | --core CORE [--exe PATH]) [--stacks] [--json]`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "command_output.hpp"
#include "pyxray/result.hpp"
#include "pyxray/xbt_command.hpp"
#include "target_options.hpp"

namespace pyxray::cli {

struct ThreadsArguments {
    TargetOptions target;
    ThreadsCommand command;  // the core's options and defaults
    std::string color = "auto";
};

CLI::App* add_threads_command(CLI::App& app, ThreadsArguments& args);

// The rendered text, made after the target is gone (a live process resumes first).
Result<CommandOutput> run_threads(ThreadsArguments& args);

}  // namespace pyxray::cli

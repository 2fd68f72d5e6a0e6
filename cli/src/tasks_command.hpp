// `pyxray tasks (--pid PID | --core CORE [--exe PATH]) [--tree] [--json]`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "command_output.hpp"
#include "pyxray/result.hpp"
#include "target_options.hpp"

namespace pyxray::cli {

struct TasksArguments {
    TargetOptions target;
    bool tree = false;
    bool json = false;
    std::string color = "auto";
};

CLI::App* add_tasks_command(CLI::App& app, TasksArguments& args);

// The rendered text, made while the target is stopped and written after it resumes.
Result<CommandOutput> run_tasks(const TasksArguments& args);

}  // namespace pyxray::cli

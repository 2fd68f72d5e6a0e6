// `pyxray heap (--pid PID | --core CORE [--exe PATH]) [--top N] [--by ORDER] [--deep] [--json]`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "command_output.hpp"
#include "pyxray/heap.hpp"
#include "pyxray/result.hpp"
#include "target_options.hpp"

namespace pyxray::cli {

struct HeapArguments {
    TargetOptions target;
    HeapCommand command;
    std::string order = "bytes";
    std::string color = "auto";
};

CLI::App* add_heap_command(CLI::App& app, HeapArguments& args);

// The rendered text, made while the target is stopped and written after it resumes.
Result<CommandOutput> run_heap(HeapArguments& args);

}  // namespace pyxray::cli

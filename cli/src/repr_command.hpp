// `pyxray repr (--pid PID | --core CORE [--exe PATH]) [limits] [--verbose] [--json] ADDRESS...`:
// the safe repr of each object, one per line.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "pyxray/repr.hpp"
#include "target_options.hpp"

namespace pyxray::cli {

struct ReprArguments {
    TargetOptions target;
    bool json = false;
    ReprLimits limits;
    std::vector<std::string> addresses;
};

// Adds the subcommand to `app`; its fields land in `args`.
CLI::App* add_repr_command(CLI::App& app, ReprArguments& args);
// Runs it: writes to stdout/stderr, returns the exit status (1 when an address is no object).
int run_repr_command(const ReprArguments& args);

}  // namespace pyxray::cli

// `pyxray sample (--pid PID | -- PROGRAM ARGS...)` with py-sample's options (kSampleUsage) and
// --nonblocking: the poor man's sampler, standalone.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "pyxray/sampling.hpp"

namespace pyxray::cli {

struct SampleArguments {
    int pid = 0;
    std::vector<std::string> program;  // after `--`: launched and profiled
    SampleOptions options;
    std::string format;  // empty: each -o FILE's extension, else text
    std::string mode = "wall";
    std::string threads = "all";
    bool nonblocking = false;
};

CLI::App* add_sample_command(CLI::App& app, SampleArguments& args);

// Samples, writes the output (to -o FILE, else stdout) and returns the exit status.
int run_sample(SampleArguments& args);

}  // namespace pyxray::cli

// `pyxray gdbinit` and `pyxray lldbinit`: the line to add to ~/.gdbinit or ~/.lldbinit so the
// debugger loads pyxray, for the plugins installed beside this very binary (P/bin/pyxray ->
// P/share/pyxray/gdb, P/lib/pyxray), or beside it in a build tree (build/bin -> build/gdb).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pyxray/result.hpp"

namespace pyxray::cli {

struct InitCommands {
    CLI::App* gdbinit;
    CLI::App* lldbinit;
};
InitCommands add_init_commands(CLI::App& app);

Result<std::string> gdbinit_line();
Result<std::string> lldbinit_line();

}  // namespace pyxray::cli

#include "init_lines.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "help.hpp"

namespace pyxray::cli {
namespace {

namespace fs = std::filesystem;

// `installed` under the prefix this binary's bin/ is in, else `built` in its build tree.
Result<fs::path> beside_this_binary(const fs::path& installed, const fs::path& built) {
    std::error_code error;
    fs::path self = fs::canonical("/proc/self/exe", error);
    if (error)
        return fail(ErrorCode::Io,
                    fmt::format("cannot tell where pyxray is: /proc/self/exe: {}", error.message()));
    fs::path top = self.parent_path().parent_path();
    for (const fs::path& candidate : {top / installed, top / built})
        if (fs::exists(candidate, error)) return candidate;
    return fail(ErrorCode::Io,
                fmt::format("no {} (installed) or {} (build tree) beside {}; reinstall pyxray",
                            (top / installed).string(), (top / built).string(), self.string()));
}

}  // namespace

InitCommands add_init_commands(CLI::App& app) {
    CLI::App* gdbinit =
        app.add_subcommand("gdbinit", "Print the line for ~/.gdbinit that loads pyxray into gdb");
    add_examples(*gdbinit, {"pyxray gdbinit >> ~/.gdbinit"});
    CLI::App* lldbinit =
        app.add_subcommand("lldbinit", "Print the line for ~/.lldbinit that loads pyxray into lldb-16");
    add_examples(*lldbinit, {"pyxray lldbinit >> ~/.lldbinit"});
    return {gdbinit, lldbinit};
}

Result<std::string> gdbinit_line() {
    PYXRAY_TRY(script, beside_this_binary(fs::path(PYXRAY_INSTALL_GDB_DIR) / "pyxray.py", "gdb/pyxray.py"));
    return fmt::format("source {}\n", script.string());
}

Result<std::string> lldbinit_line() {
    PYXRAY_TRY(plugin, beside_this_binary(fs::path(PYXRAY_INSTALL_LLDB_DIR) / PYXRAY_LLDB_PLUGIN,
                                          fs::path("lldb") / PYXRAY_LLDB_PLUGIN));
    return fmt::format("plugin load {}\n", plugin.string());
}

}  // namespace pyxray::cli

// What `plugin load libpyxray_lldb.so` calls: registers pyxray's commands with LLDB, after
// checking that this LLDB is the one the plugin was built for.
#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBFile.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "symbol_backend.hpp"

namespace lldb {
// LLDB looks this C++ symbol up by name; everything else in the plugin is hidden.
__attribute__((used, visibility("default"))) bool PluginInitialize(SBDebugger debugger);
}  // namespace lldb

namespace {

// "lldb version 16.0.6 ..." for PYXRAY_LLDB_MAJOR 16. Checked before any other SB call: the
// static GetVersionString is the one call whose signature every LLDB shares, and the SB
// classes of another major version have other layouts (an lldb-16 plugin in lldb-14 aborts).
bool is_the_lldb_built_for(std::string_view version) {
    std::string expected = "lldb version " + std::to_string(PYXRAY_LLDB_MAJOR) + ".";
    return version.starts_with(expected);
}

}  // namespace

bool lldb::PluginInitialize(lldb::SBDebugger debugger) {
    const char* running = lldb::SBDebugger::GetVersionString();
    if (running == nullptr || !is_the_lldb_built_for(running)) {
        std::fprintf(stderr,
                     "pyxray: this plugin was built for LLDB %d, not for %s; load it into lldb-%d, or "
                     "build pyxray against this LLDB's liblldb (LLDB_INCLUDE_DIR, LLDB_LIBRARY)\n",
                     PYXRAY_LLDB_MAJOR, running == nullptr ? "this LLDB" : running, PYXRAY_LLDB_MAJOR);
        return false;
    }
    lldb::SBCommandInterpreter interpreter = debugger.GetCommandInterpreter();
    if (!interpreter.IsValid()) return false;
    bool xbt = pyxray::lldb_plugin::add_xbt_command(interpreter);
    bool threads = pyxray::lldb_plugin::add_threads_command(interpreter);
    bool tasks = pyxray::lldb_plugin::add_tasks_command(interpreter);
    bool heap = pyxray::lldb_plugin::add_heap_command(interpreter);
    bool frames = pyxray::lldb_plugin::add_frame_commands(interpreter);
    bool backend = pyxray::lldb_plugin::add_backend_command(interpreter);
    std::string warning = pyxray::lldb_plugin::backend_from_environment();
    if (!warning.empty()) {
        warning.push_back('\n');
        size_t written = 0;
        debugger.GetErrorFile().Write(reinterpret_cast<const uint8_t*>(warning.data()), warning.size(),
                                      &written);
    }
    bool sample = pyxray::lldb_plugin::add_sample_command(interpreter);
    bool refwatch = pyxray::lldb_plugin::add_refwatch_commands(interpreter);
    return xbt && threads && tasks && heap && frames && backend && sample && refwatch;
}

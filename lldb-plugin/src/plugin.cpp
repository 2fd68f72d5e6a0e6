// What `plugin load libpyxray_lldb.so` calls: registers pyxray's commands with LLDB.
#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBFile.h>

#include <cstdint>
#include <string>

#include "commands.hpp"
#include "symbol_backend.hpp"

namespace lldb {
// LLDB looks this C++ symbol up by name; everything else in the plugin is hidden.
__attribute__((used, visibility("default"))) bool PluginInitialize(SBDebugger debugger);
}  // namespace lldb

bool lldb::PluginInitialize(lldb::SBDebugger debugger) {
    lldb::SBCommandInterpreter interpreter = debugger.GetCommandInterpreter();
    if (!interpreter.IsValid()) return false;
    bool xbt = pyxray::lldb_plugin::add_xbt_command(interpreter);
    bool threads = pyxray::lldb_plugin::add_threads_command(interpreter);
    bool frames = pyxray::lldb_plugin::add_frame_commands(interpreter);
    bool backend = pyxray::lldb_plugin::add_backend_command(interpreter);
    std::string warning = pyxray::lldb_plugin::backend_from_environment();
    if (!warning.empty()) {
        warning.push_back('\n');
        size_t written = 0;
        debugger.GetErrorFile().Write(reinterpret_cast<const uint8_t*>(warning.data()), warning.size(),
                                      &written);
    }
    return xbt && threads && frames && backend;
}

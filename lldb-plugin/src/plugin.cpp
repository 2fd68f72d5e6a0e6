// What `plugin load libpyxray_lldb.so` calls: registers pyxray's commands with LLDB.
#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBDebugger.h>

#include "commands.hpp"

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
    bool refwatch = pyxray::lldb_plugin::add_refwatch_commands(interpreter);
    return xbt && threads && frames && refwatch;
}

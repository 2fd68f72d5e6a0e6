// The commands this plugin adds to LLDB, one file each.
#pragma once

#include <lldb/API/SBCommandInterpreter.h>

namespace pyxray::lldb_plugin {

// `py-xbt`: merged Python and C backtraces. False when LLDB refused the command.
bool add_xbt_command(lldb::SBCommandInterpreter& interpreter);
// py-up, py-down, py-frame, py-locals, py-print, py-list.
bool add_frame_commands(lldb::SBCommandInterpreter& interpreter);
// `py-threads`: one line per thread (tid, name, GIL, GC, state, innermost Python frame).
bool add_threads_command(lldb::SBCommandInterpreter& interpreter);
// `py-sample`: the poor man's sampler (merged stacks, top table, folded/speedscope/html).
bool add_sample_command(lldb::SBCommandInterpreter& interpreter);

}  // namespace pyxray::lldb_plugin

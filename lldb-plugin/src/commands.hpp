// The commands this plugin adds to LLDB, one file each.
#pragma once

#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBProcess.h>

#include <cstddef>
#include <cstdint>

namespace pyxray::lldb_plugin {

// `py-xbt`: merged Python and C backtraces. False when LLDB refused the command.
bool add_xbt_command(lldb::SBCommandInterpreter& interpreter);
// py-up, py-down, py-frame, py-locals, py-print, py-list.
bool add_frame_commands(lldb::SBCommandInterpreter& interpreter);
// `py-threads`: one line per thread (tid, name, GIL, GC, state, innermost Python frame).
bool add_threads_command(lldb::SBCommandInterpreter& interpreter);
// `py-tasks`: every asyncio task, what it awaits and who awaits it.
bool add_tasks_command(lldb::SBCommandInterpreter& interpreter);
// `py-heap`: the objects the garbage collector tracks, by type, and the biggest containers.
bool add_heap_command(lldb::SBCommandInterpreter& interpreter);
// `py-sample`: the poor man's sampler (merged stacks, top table, folded/speedscope/html).
bool add_sample_command(lldb::SBCommandInterpreter& interpreter);

// `py-refcnt` and `py-refwatch`: one object's refcount, and its changes across stops.
bool add_refwatch_commands(lldb::SBCommandInterpreter& interpreter);

// The Python frame py-up/py-down selected in thread `tid` at the process's current stop, 0
// (the newest) when none was.
size_t selected_python_frame(lldb::SBProcess& process, int64_t tid);

}  // namespace pyxray::lldb_plugin

// What every pyxray LLDB command shares: the stopped process it reads, and running a command
// body so that its result (or any failure, as one line) lands in LLDB's return object.
#pragma once

#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>

#include <functional>
#include <string>

#include "pyxray/result.hpp"

namespace pyxray::lldb_plugin {

// The target's process, if it is stopped (or a core); `command` names who needs it.
Result<lldb::SBProcess> stopped_process(lldb::SBTarget& target, const char* command);

// Runs `body`: its text becomes the command's output; its error, or an exception (nothing may
// unwind into LLDB: it would end the user's session), a one-line "COMMAND: message" failure.
bool run_command(const char* command, lldb::SBCommandReturnObject& result,
                 const std::function<Result<std::string>()>& body);

}  // namespace pyxray::lldb_plugin

// What every pyxray command in LLDB shares: finding the stopped process, and reporting a
// failure as one line without letting anything unwind into LLDB.
#pragma once

#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "pyxray/result.hpp"

namespace pyxray::lldb_plugin {

// The target's process when it can be read: stopped, crashed, suspended, or a core.
Result<lldb::SBProcess> stopped_process(lldb::SBTarget& target, const char* command);
// The OS thread id of the process's selected thread.
Result<int64_t> selected_thread_id(lldb::SBProcess& process);
// LLDB's argv as words; fails past a sane count.
Result<std::vector<std::string>> words_of(char** argv);

bool report_error(lldb::SBCommandReturnObject& result, const std::string& command,
                  const std::string& message);

// Runs `run() -> Result<std::string>` and hands its text or error to LLDB; C++ exceptions
// become one-line errors too: an exception escaping into LLDB would end the user's session.
template <class Run>
bool run_command(lldb::SBCommandReturnObject& result, const std::string& command, Run run) {
    try {
        auto output = run();
        if (!output) return report_error(result, command, output.error().message);
        if (!output->empty() && output->back() != '\n') output->push_back('\n');
        result.Printf("%s", output->c_str());
        result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
        return true;
    } catch (const std::exception& error) {
        return report_error(result, command, std::string("internal error: ") + error.what());
    } catch (...) {
        return report_error(result, command, "internal error");
    }
}

}  // namespace pyxray::lldb_plugin

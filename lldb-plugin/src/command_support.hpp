// What every pyxray command in LLDB shares: finding the stopped process, and reporting a
// failure as one line without letting anything unwind into LLDB.
#pragma once

#include <lldb/API/SBCommandInterpreter.h>
#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "pyxray/color.hpp"
#include "pyxray/result.hpp"

namespace pyxray::lldb_plugin {

// The target's process when it can be read: stopped, crashed, suspended, or a core.
Result<lldb::SBProcess> stopped_process(lldb::SBTarget& target, const char* command);
// The OS thread id of the process's selected thread.
Result<int64_t> selected_thread_id(lldb::SBProcess& process);
// LLDB's argv as words; fails past a sane count.
Result<std::vector<std::string>> words_of(char** argv);

// Adds `name` (an entry of pyxray/command_help.hpp's table) with its summary, usage and full
// help, so `help NAME` shows options and examples. LLDB owns `command` from here on. False
// when LLDB refused it.
bool add_described_command(lldb::SBCommandInterpreter& interpreter, const char* name,
                           lldb::SBCommandPluginInterface* command);
// Whether LLDB colours its own output: its use-color setting on and its output a terminal.
// --color=auto follows it.
bool debugger_colors(lldb::SBDebugger& debugger);
bool use_color_in(lldb::SBDebugger& debugger, ColorMode mode, bool json);

// Synchronous mode while a command resumes and waits for the process (py-sample, py-refwatch),
// the user's mode again afterwards.
class SyncScope {
public:
    explicit SyncScope(lldb::SBDebugger& debugger) : debugger_(debugger), was_async_(debugger.GetAsync()) {
        debugger_.SetAsync(false);
    }
    ~SyncScope() { debugger_.SetAsync(was_async_); }
    SyncScope(const SyncScope&) = delete;
    SyncScope& operator=(const SyncScope&) = delete;

private:
    lldb::SBDebugger& debugger_;
    bool was_async_;
};

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

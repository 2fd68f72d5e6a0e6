#include "command_support.hpp"

#include <fmt/format.h>

#include <exception>

namespace pyxray::lldb_plugin {
namespace {

bool can_be_read(lldb::StateType state) {
    return state == lldb::eStateStopped || state == lldb::eStateCrashed || state == lldb::eStateSuspended;
}

std::string one_line(std::string message) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
    return message;
}

bool report_error(lldb::SBCommandReturnObject& result, const char* command, const std::string& message) {
    result.SetError(one_line(fmt::format("{}: {}", command, message)).c_str());
    return false;
}

}  // namespace

Result<lldb::SBProcess> stopped_process(lldb::SBTarget& target, const char* command) {
    lldb::SBProcess process = target.GetProcess();
    if (!target.IsValid() || !process.IsValid())
        return fail(ErrorCode::InvalidArgument,
                    "no process: attach to one (process attach -p PID), launch one, or open a "
                    "core (target create --core FILE), then retry");
    lldb::StateType state = process.GetState();
    if (!can_be_read(state))
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("process {} is {}; {} needs it stopped (process interrupt) "
                                "or a core file",
                                process.GetProcessID(), lldb::SBDebugger::StateAsCString(state), command));
    return process;
}

bool run_command(const char* command, lldb::SBCommandReturnObject& result,
                 const std::function<Result<std::string>()>& body) {
    try {
        auto output = body();
        if (!output) return report_error(result, command, output.error().message);
        if (!output->empty() && output->back() != '\n') output->push_back('\n');
        result.Printf("%s", output->c_str());
        result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
        return true;
    } catch (const std::exception& error) {
        return report_error(result, command, fmt::format("internal error: {}", error.what()));
    } catch (...) {
        return report_error(result, command, "internal error");
    }
}

}  // namespace pyxray::lldb_plugin

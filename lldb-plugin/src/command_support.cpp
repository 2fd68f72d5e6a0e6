#include "command_support.hpp"

#include <fmt/format.h>
#include <lldb/API/SBThread.h>
#include <unistd.h>

#include <cstdio>

#include "debuginfod_symbols.hpp"
#include "pyxray/command_help.hpp"

namespace pyxray::lldb_plugin {
namespace {

constexpr size_t kMaxArguments = 64;

bool can_be_read(lldb::StateType state) {
    return state == lldb::eStateStopped || state == lldb::eStateCrashed || state == lldb::eStateSuspended;
}

std::string one_line(std::string message) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
    return message;
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
                    fmt::format("process {} is {}; {} needs it stopped (process interrupt) or a core file",
                                process.GetProcessID(), lldb::SBDebugger::StateAsCString(state), command));
    add_symbols_from_debuginfod(target);
    return process;
}

Result<int64_t> selected_thread_id(lldb::SBProcess& process) {
    lldb::SBThread thread = process.GetSelectedThread();
    if (!thread.IsValid())
        return fail(ErrorCode::InvalidArgument,
                    "no selected thread; pick one (thread select N) or pass -a for all");
    return static_cast<int64_t>(thread.GetThreadID());
}

Result<std::vector<std::string>> words_of(char** argv) {
    std::vector<std::string> words;
    for (size_t index = 0; argv != nullptr && argv[index] != nullptr; ++index) {
        if (index >= kMaxArguments) return fail(ErrorCode::InvalidArgument, "too many arguments");
        words.emplace_back(argv[index]);
    }
    return words;
}

bool add_described_command(lldb::SBCommandInterpreter& interpreter, const char* name,
                           lldb::SBCommandPluginInterface* command) {
    const CommandHelp* help = find_command_help(name);
    if (help == nullptr) return false;
    std::string summary(help->summary), usage(help->usage), long_help = "\n" + render_command_details(*help);
    lldb::SBCommand added = interpreter.AddCommand(name, command, summary.c_str(), usage.c_str());
    if (!added.IsValid()) return false;
    added.SetHelpLong(long_help.c_str());
    return true;
}

bool debugger_colors(lldb::SBDebugger& debugger) {
    FILE* output = debugger.GetOutputFileHandle();
    return debugger.GetUseColor() && output != nullptr && isatty(fileno(output));
}

bool use_color_in(lldb::SBDebugger& debugger, ColorMode mode, bool json) {
    return use_color(mode, debugger_colors(debugger), json);
}

bool report_error(lldb::SBCommandReturnObject& result, const std::string& command,
                  const std::string& message) {
    result.SetError(one_line(fmt::format("{}: {}", command, message)).c_str());
    return false;
}

}  // namespace pyxray::lldb_plugin

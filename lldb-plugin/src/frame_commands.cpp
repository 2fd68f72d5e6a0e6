// py-up, py-down, py-frame, py-locals, py-print, py-list: the core parses and runs them; this
// file remembers which Python frame each thread has selected, for as long as the process stays
// stopped (LLDB's stop id), and selects the native frame that runs it.
#include "pyxray/frame_commands.hpp"

#include <lldb/API/SBCommandReturnObject.h>
#include <lldb/API/SBDebugger.h>
#include <lldb/API/SBProcess.h>
#include <lldb/API/SBTarget.h>
#include <lldb/API/SBThread.h>

#include <map>
#include <string>
#include <tuple>

#include "command_support.hpp"
#include "commands.hpp"
#include "pyxray/session.hpp"
#include "sb_target.hpp"

namespace pyxray::lldb_plugin {
namespace {

// (process unique id, stop id, tid): a selection ends when the process runs again.
using SelectionKey = std::tuple<uint32_t, uint32_t, int64_t>;

std::map<SelectionKey, size_t>& selections() {
    static std::map<SelectionKey, size_t> selected;
    return selected;
}

SelectionKey key_of(lldb::SBProcess& process, int64_t tid) {
    return {process.GetUniqueID(), process.GetStopID(), tid};
}

void select_native_frame(const SbTarget& target, lldb::SBProcess& process, int64_t tid, size_t native_index) {
    auto lldb_index = target.lldb_frame_index(tid, native_index);
    if (!lldb_index) return;
    lldb::SBThread thread = process.GetThreadByID(static_cast<lldb::tid_t>(tid));
    thread.SetSelectedFrame(*lldb_index);
}

Result<std::string> run(FrameVerb verb, lldb::SBDebugger& debugger, char** argv) {
    PYXRAY_TRY(words, words_of(argv));
    PYXRAY_TRY(command, parse_frame_command(verb, words));
    command.output_is_terminal = debugger_colors(debugger);
    lldb::SBTarget selected_target = debugger.GetSelectedTarget();
    std::string name(frame_command_name(verb));
    PYXRAY_TRY(process, stopped_process(selected_target, name.c_str()));
    PYXRAY_TRY(tid, selected_thread_id(process));
    SbTarget target(selected_target, process);
    PYXRAY_TRY(session, Session::open(target));
    auto key = key_of(process, tid);
    size_t selected = selected_python_frame(process, tid);
    PYXRAY_TRY(output, run_frame_command(session, tid, selected, command));
    if (selections().size() > 4096) selections().clear();  // stale stops of long sessions
    selections()[key] = output.selected;
    if (output.native_index) select_native_frame(target, process, tid, *output.native_index);
    return output.text;
}

class FrameCommandPlugin final : public lldb::SBCommandPluginInterface {
public:
    explicit FrameCommandPlugin(FrameVerb verb) : verb_(verb) {}

    bool DoExecute(lldb::SBDebugger debugger, char** command, lldb::SBCommandReturnObject& result) override {
        return run_command(result, std::string(frame_command_name(verb_)),
                           [&] { return run(verb_, debugger, command); });
    }

private:
    FrameVerb verb_;
};

}  // namespace

size_t selected_python_frame(lldb::SBProcess& process, int64_t tid) {
    auto found = selections().find(key_of(process, tid));
    return found == selections().end() ? 0 : found->second;
}

bool add_frame_commands(lldb::SBCommandInterpreter& interpreter) {
    for (FrameVerb verb : kFrameVerbs) {
        std::string name(frame_command_name(verb));
        if (!add_described_command(interpreter, name.c_str(), new FrameCommandPlugin(verb))) return false;
    }
    return true;
}

}  // namespace pyxray::lldb_plugin

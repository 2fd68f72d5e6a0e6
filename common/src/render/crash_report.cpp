// `pyxray core`'s text report: what the process was, why it died, what each thread was doing.
#include <fmt/format.h>

#include "pyxray/render.hpp"

namespace pyxray {
namespace {

void render_process(std::string& out, const Snapshot& snapshot) {
    fmt::format_to(std::back_inserter(out), "Process {}: {}\n", snapshot.target.pid,
                   snapshot.target.command_line.empty() ? "(command line not recorded)"
                                                        : printable_text(snapshot.target.command_line));
    fmt::format_to(
        std::back_inserter(out), "  executable: {}\n",
        snapshot.target.executable.empty() ? "(unknown)" : printable_text(snapshot.target.executable));
    if (snapshot.no_runtime) return;  // said last, after the threads
    fmt::format_to(std::back_inserter(out), "  Python: CPython {}{}\n", snapshot.runtime.version,
                   snapshot.runtime.free_threaded ? " (free-threaded)" : "");
}

void render_signal(std::string& out, const Snapshot& snapshot) {
    if (snapshot.crash)
        out += "Fatal signal: " + describe_crash(*snapshot.crash) + "\n";
    else
        out += "No fatal signal: written by a debugger (gcore) while the process ran\n";
}

void render_one(std::string& out, const ThreadStack& thread, const Snapshot& snapshot,
                const RenderOptions& options) {
    out += "\n" + render_thread_heading_text(thread, snapshot.crash) + ":\n";
    out += render_thread_stack_text(snapshot, thread, options);
}

}  // namespace

std::string render_crash_report_text(const Snapshot& snapshot, const RenderOptions& options) {
    std::string out = render_target_warnings(snapshot.target);
    render_process(out, snapshot);
    render_signal(out, snapshot);
    for (const auto& deadlock : snapshot.deadlocks) out += render_deadlock_line(snapshot, deadlock) + "\n";
    out += render_ignored_executable_note(snapshot.target);
    out += render_modules_note(snapshot.modules, snapshot.target.kind);
    out += render_walk_notes(snapshot);
    bool crashing_first = !snapshot.threads.empty() && snapshot.threads.front().crashed;
    if (crashing_first) {
        out += "\nCrashing thread:";
        render_one(out, snapshot.threads.front(), snapshot, options);
    }
    size_t others = snapshot.threads.size() - (crashing_first ? 1 : 0);
    if (others > 0) out += crashing_first ? "\nOther threads:\n" : "\nThreads:\n";
    for (size_t i = crashing_first ? 1 : 0; i < snapshot.threads.size(); ++i)
        render_one(out, snapshot.threads[i], snapshot, options);
    if (snapshot.no_runtime) out += "\n" + printable_text(*snapshot.no_runtime) + "\n";
    return out;
}

}  // namespace pyxray

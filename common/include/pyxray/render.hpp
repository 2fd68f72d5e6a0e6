// Renderers return text; they never print.
#pragma once

#include <string>
#include <string_view>

#include "pyxray/model.hpp"

namespace pyxray {

struct RenderOptions {
    bool show_pc = false;
    bool color = false;  // ANSI styles (pyxray/color.hpp): Python and C frames, the GIL holder
};

std::string render_xbt_text(const Snapshot& snapshot, const RenderOptions& options = {});
// A Python frame's variables (when read), one `name = repr` line each, after `indent`.
void render_locals(std::string& out, const PyFrame& frame, std::string_view indent);
// ` [task "b-runner"]` after a Python frame that runs inside an asyncio task, else empty.
std::string render_task_mark(const PyFrame& frame);
// One thread's notes and frames as py-xbt prints them under its heading, with what it waits
// for (render_waiting_text) on a line under the frame it blocks in.
std::string render_thread_stack_text(const Snapshot& snapshot, const ThreadStack& thread,
                                     const RenderOptions& options = {});
// `SIGSEGV (SEGV_MAPERR), faulting address 0x0, in thread 1234`.
std::string describe_crash(const Crash& crash);
// `the core is truncated: 48.2 MiB of the 60.3 MiB its 45 memory segments hold are missing ...`.
std::string describe_truncation(const CoreTruncation& cut);
// "312 B", "4.0 KiB", "5.5 MiB", "1.2 GiB".
std::string human_bytes(uint64_t bytes);
// The first lines of every text report on a core cut short: the truncation; empty otherwise.
std::string render_target_warnings(const TargetInfo& target);
// A thread's py-xbt heading, without the colon: tid, name, Python status, the crash it took.
std::string render_thread_heading_text(const ThreadStack& thread, const std::optional<Crash>& crash);
// `pyxray core`: the process, the fatal signal (or why there is none), the crashing thread
// with its exception and stack, then every other thread.
std::string render_crash_report_text(const Snapshot& snapshot, const RenderOptions& options = {});
// Cores (and live processes in a container): a note naming the modules missing or of another
// build here, with their build-ids, what was looked for, and for a core how to map them; empty
// when every module is available.
std::string render_modules_note(const std::vector<ModuleInfo>& modules, TargetKind kind);
// A string from the target (a name, a file name, a thread or type name, a message, a command
// line) made safe to show as text: escaped as repr() escapes it, without the quotes, bytes that
// are not UTF-8 as \xNN; backslashes kept, so a repr passes unchanged. Every text renderer puts
// target strings through it; JSON keeps the exact value instead (objects/strings_repr.cpp).
std::string printable_text(std::string_view text);
// "note: executable X not used: REASON; read Y instead", when the user named one of another
// build (TargetInfo::ignored_executable); empty otherwise.
std::string render_ignored_executable_note(const TargetInfo& target);
// "note: threads may be missing: ..." per list of interpreters or thread states that ended early.
std::string render_walk_notes(const Snapshot& snapshot);

struct ThreadsRenderOptions {
    bool stacks = false;  // each thread's merged stack under its line
    RenderOptions frames;
};

// py-threads: one line per thread (tid, name, GIL, GC, state, innermost Python frame).
std::string render_threads_text(const Snapshot& snapshot, const ThreadsRenderOptions& options = {});
// The `--json` document: {"pyxray": 1, "target": {...}, "threads": [...]}.
std::string render_xbt_json(const Snapshot& snapshot);

// What a thread waits for, in a few words (py-threads' WAITING column): "-" when running.
std::string render_waiting_text(const Snapshot& snapshot, const ThreadStack& thread);
// `deadlock: 4241 "alpha" waits for lock 0x.. held by 4242 "beta", which waits for ...`.
std::string render_deadlock_line(const Snapshot& snapshot, const Deadlock& deadlock);

}  // namespace pyxray

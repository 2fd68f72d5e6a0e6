#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "pyxray/color.hpp"
#include "pyxray/path_names.hpp"
#include "pyxray/render.hpp"

namespace pyxray {
namespace {

std::string line_text(int line) { return line < 0 ? "?" : std::to_string(line); }

// The interpreters a thread's Python frames run in, innermost first, each once.
std::vector<int64_t> interpreters_of(const ThreadStack& thread) {
    std::vector<int64_t> ids;
    for (const auto& frame : thread.frames)
        if (frame.kind == StackFrame::Kind::Python &&
            std::find(ids.begin(), ids.end(), frame.python.interpreter_id) == ids.end())
            ids.push_back(frame.python.interpreter_id);
    return ids;
}

// Under its frame line, aligned with the function name.
constexpr std::string_view kLocalsIndent = "         ";

void render_frame(std::string& out, size_t index, const StackFrame& frame, const RenderOptions& options,
                  bool label_interpreter) {
    if (frame.kind == StackFrame::Kind::Python) {
        const PyFrame& py = frame.python;
        fmt::format_to(std::back_inserter(out), "#{:<3} Py  {} ({})", index,
                       styled(printable_text(py.qualname), Style::PythonFrame, options.color),
                       styled(fmt::format("{}:{}", printable_text(py.file), line_text(py.line)),
                              Style::Location, options.color));
        if (label_interpreter)
            fmt::format_to(std::back_inserter(out), " [interpreter {}]", py.interpreter_id);
        out += render_task_mark(py);
        out += "\n";
        return;
    }
    const NativeFrame& native = frame.native;
    std::string name = native.function.empty() ? "??" : printable_text(native.function);
    std::string module_name = printable_text(path_basename(native.module));
    std::string module = native.module.empty() ? "" : fmt::format(" ({})", module_name);
    // Without a symbol, where the pc lies in its module is what can be looked up elsewhere.
    if (native.function.empty() && !native.module.empty() && native.module_offset)
        module = fmt::format(" ({}+{:#x})", module_name, *native.module_offset);
    name = styled(name, Style::NativeFrame, options.color);
    module = styled(module, Style::Module, options.color);
    if (options.show_pc)
        fmt::format_to(std::back_inserter(out), "#{:<3} C   {:#018x} {}{}\n", index, native.pc, name, module);
    else
        fmt::format_to(std::back_inserter(out), "#{:<3} C   {}{}\n", index, name, module);
}

// A line right under one frame's line, before its locals.
struct FrameNote {
    size_t frame;
    std::string text;
};

// What the thread waits for, py-threads' WAITING cell, as `waiting: lock 0x7f.. held by 4242
// "beta" (probably)` under the frame it blocks in; past the last frame when it has no Python one.
std::optional<FrameNote> waiting_note(const Snapshot& snapshot, const ThreadStack& thread) {
    if (!thread.waiting) return std::nullopt;
    return FrameNote{thread.waiting->frame.value_or(thread.frames.size()),
                     "waiting: " + render_waiting_text(snapshot, thread)};
}

void render_frames(std::string& out, const std::vector<StackFrame>& frames, const RenderOptions& options,
                   bool label_interpreters, const std::optional<FrameNote>& note = std::nullopt) {
    for (size_t i = 0; i < frames.size(); ++i) {
        render_frame(out, i, frames[i], options, label_interpreters);
        if (note && note->frame == i)
            fmt::format_to(std::back_inserter(out), "{}{}\n", kLocalsIndent, note->text);
        if (frames[i].kind == StackFrame::Kind::Python) render_locals(out, frames[i].python, kLocalsIndent);
    }
}

// `Thread 13567 "MainThread" (Python, holds GIL)`: the name when there is one.
std::string thread_heading(const ThreadStack& thread, const std::vector<int64_t>& interpreters) {
    std::string named = fmt::format("Thread {}", thread.tid);
    if (thread.name) named += fmt::format(" \"{}\"", printable_text(*thread.name));
    if (!thread.python) return named + " (no Python thread state)";
    std::string gil = thread.holds_gil.value_or(false) ? ", holds GIL" : "";
    if (interpreters.size() > 1)
        return fmt::format("{} (Python, interpreters {}{})", named, fmt::join(interpreters, " in "), gil);
    if (thread.state && thread.state->interpreter_id != 0)
        return fmt::format("{} (Python, interpreter {}{})", named, thread.state->interpreter_id, gil);
    return fmt::format("{} (Python{})", named, gil);
}

// `Thread 13567 "MainThread" (Python), crashed with SIGSEGV` for the thread that took it.
std::string heading_with_crash(const ThreadStack& thread, const std::optional<Crash>& crash) {
    std::string heading = thread_heading(thread, interpreters_of(thread));
    if (thread.crashed && crash) heading += ", crashed with " + crash->signal;
    return heading;
}

void render_exception(std::string& out, const ThreadStack& thread) {
    if (!thread.exception) return;
    const ThreadException& exception = *thread.exception;
    const char* state = exception.state == ThreadException::State::Raising ? "raising" : "handling";
    fmt::format_to(std::back_inserter(out), "  exception ({}): {}{}{}\n", state,
                   printable_text(exception.type), exception.message.empty() ? "" : ": ",
                   printable_text(exception.message));
}

void render_thread_body(std::string& out, const Snapshot& snapshot, const ThreadStack& thread,
                        const RenderOptions& options) {
    bool label_interpreters = interpreters_of(thread).size() > 1;
    for (const auto& note : thread.notes) out += "  note: " + printable_text(note) + "\n";
    render_exception(out, thread);
    auto waiting = waiting_note(snapshot, thread);
    if (waiting && waiting->frame >= thread.frames.size()) {  // no frame to put it under
        out += "  " + waiting->text + "\n";
        waiting.reset();
    }
    if (thread.frames.empty() && thread.unmerged_native.empty()) out += "  (no frames)\n";
    render_frames(out, thread.frames, options, label_interpreters, waiting);
    if (!thread.unmerged_native.empty()) {
        out += "  native stack:\n";
        render_frames(out, thread.unmerged_native, options, false);
    }
}

void render_thread(std::string& out, const Snapshot& snapshot, const ThreadStack& thread,
                   const RenderOptions& options) {
    std::string heading = heading_with_crash(thread, snapshot.crash) + ":";
    bool gil_holder = thread.holds_gil.value_or(false);
    out += styled(heading, gil_holder ? Style::GilHolder : Style::Heading, options.color) + "\n";
    render_thread_body(out, snapshot, thread, options);
}

}  // namespace

void render_locals(std::string& out, const PyFrame& frame, std::string_view indent) {
    if (frame.locals_error)
        fmt::format_to(std::back_inserter(out), "{}(locals unreadable: {})\n", indent,
                       printable_text(*frame.locals_error));
    if (!frame.locals) return;
    if (frame.locals->empty()) fmt::format_to(std::back_inserter(out), "{}(no locals)\n", indent);
    for (const auto& variable : *frame.locals)
        fmt::format_to(std::back_inserter(out), "{}{} = {}\n", indent, printable_text(variable.name),
                       printable_text(variable.repr));
}

std::string render_task_mark(const PyFrame& frame) {
    if (!frame.task) return {};
    return fmt::format(" [task \"{}\"]", printable_text(frame.task->name));
}

std::string render_modules_note(const std::vector<ModuleInfo>& modules, TargetKind kind) {
    std::string lines;
    size_t count = 0;
    for (const ModuleInfo& module : modules) {
        if (module.status != ModuleFileStatus::Missing && module.status != ModuleFileStatus::Mismatch)
            continue;
        ++count;
        std::string build_id = module.build_id.empty() ? "not in the core" : module.build_id;
        std::string looked = fmt::format("{}", fmt::join(module.looked_for, ", "));
        std::string fetch = module.fetch_error.empty() ? "" : "; " + module.fetch_error;
        if (module.status == ModuleFileStatus::Missing)
            fmt::format_to(std::back_inserter(lines), "  {} (build-id {}): missing, looked for {}{}\n",
                           printable_text(path_basename(module.path)), build_id, printable_text(looked),
                           printable_text(fetch));
        else
            fmt::format_to(std::back_inserter(lines),
                           "  {} (build-id {}): mismatch, {} has build-id {}, not used{}\n",
                           printable_text(path_basename(module.path)), build_id, printable_text(looked),
                           module.other_build_id, printable_text(fetch));
    }
    if (count == 0) return {};
    if (kind == TargetKind::Live)
        return fmt::format(
            "note: {} module{} of the process not readable here (their native frames show as "
            "?? (module+offset)):\n{}",
            count, count == 1 ? "" : "s", lines);
    return fmt::format(
        "note: {} module{} of the core not available here (their native frames show as "
        "?? (module+offset)); map them with --sysroot DIR or --lib-path DIR (a process that ran in a "
        "container: DIR is a copy of the container's root filesystem; or fetch them by build-id: "
        "DEBUGINFOD_URLS):\n{}",
        count, count == 1 ? "" : "s", lines);
}

std::string render_ignored_executable_note(const TargetInfo& target) {
    if (!target.ignored_executable) return {};
    return fmt::format("note: executable {} not used: {}; read {} instead\n", target.ignored_executable->path,
                       target.ignored_executable->reason, target.executable);
}

std::string render_thread_stack_text(const Snapshot& snapshot, const ThreadStack& thread,
                                     const RenderOptions& options) {
    std::string out;
    render_thread_body(out, snapshot, thread, options);
    return out;
}

std::string render_walk_notes(const Snapshot& snapshot) {
    std::string out;
    for (const auto& note : snapshot.notes)
        out += "note: threads may be missing: " + printable_text(note) + "\n";
    return out;
}

std::string render_xbt_text(const Snapshot& snapshot, const RenderOptions& options) {
    std::string out = render_target_warnings(snapshot.target);
    const char* kind = snapshot.target.kind == TargetKind::Core ? "core" : "live";
    fmt::format_to(std::back_inserter(out), "CPython {}{} in {} process {}\n", snapshot.runtime.version,
                   snapshot.runtime.free_threaded ? " (free-threaded)" : "", kind, snapshot.target.pid);
    if (snapshot.crash) out += "Fatal signal: " + describe_crash(*snapshot.crash) + "\n";
    out += render_ignored_executable_note(snapshot.target);
    out += render_modules_note(snapshot.modules, snapshot.target.kind);
    out += render_walk_notes(snapshot);
    for (size_t i = 0; i < snapshot.threads.size(); ++i) {
        out += "\n";
        render_thread(out, snapshot, snapshot.threads[i], options);
    }
    return out;
}

std::string human_bytes(uint64_t bytes) {
    constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    double value = static_cast<double>(bytes) / 1024;
    size_t unit = 0;
    for (; value >= 1024 && unit + 1 < std::size(kUnits); ++unit) value /= 1024;
    return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string describe_truncation(const CoreTruncation& cut) {
    auto mib = [](uint64_t bytes) {
        return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
    };
    double percent = cut.promised_bytes ? 100.0 * static_cast<double>(cut.missing_bytes) /
                                              static_cast<double>(cut.promised_bytes)
                                        : 100.0;
    return fmt::format(
        "the core is truncated: {} of the {} its {} memory segments hold are missing ({:.0f}%, {} bytes), "
        "{} segment{} cut short or lost; the file has {} bytes of {}",
        mib(cut.missing_bytes), mib(cut.promised_bytes), cut.segments, percent, cut.missing_bytes,
        cut.incomplete_segments, cut.incomplete_segments == 1 ? "" : "s", cut.file_size, cut.needed_size);
}

std::string render_target_warnings(const TargetInfo& target) {
    if (!target.truncation) return {};
    return "warning: " + describe_truncation(*target.truncation) +
           "; what it lost reads as unavailable (write cores whole: ulimit -c unlimited, or gdb's gcore)\n";
}

std::string describe_crash(const Crash& crash) {
    std::string out = crash.signal;
    if (crash.code) out += fmt::format(" ({})", crash.code_name);
    if (crash.address) out += fmt::format(", faulting address {:#x}", *crash.address);
    return out + fmt::format(", in thread {}", crash.tid);
}

std::string render_thread_heading_text(const ThreadStack& thread, const std::optional<Crash>& crash) {
    return heading_with_crash(thread, crash);
}

}  // namespace pyxray

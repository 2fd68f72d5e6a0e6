// py-threads' text: a header, then one line per thread (tid, name, GIL, GC, state word, what it
// waits for and its innermost Python frame outside threading's), each optionally followed by
// its merged stack.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "pyxray/path_names.hpp"
#include "pyxray/render.hpp"

namespace pyxray {
namespace {

// East Asian wide and fullwidth characters take two terminal columns (the main blocks of
// Unicode's EastAsianWidth W and F: Hangul Jamo, CJK, Hangul syllables, fullwidth forms).
bool is_wide(uint32_t c) {
    return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
           (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x20000 && c <= 0x3fffd);
}

// Terminal columns, not bytes: names are UTF-8 and columns should line up for non-ASCII ones.
size_t display_width(std::string_view text) {
    size_t width = 0;
    for (size_t i = 0; i < text.size();) {
        auto lead = static_cast<unsigned char>(text[i]);
        size_t length = lead < 0xc0 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        uint32_t c = length == 1 ? lead : lead & (0xffu >> (length + 1));
        for (size_t k = 1; k < length && i + k < text.size(); ++k)
            c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
        width += is_wide(c) ? 2 : 1;
        i += length;
    }
    return width;
}

std::string padded(std::string_view text, size_t width) {
    std::string out(text);
    for (size_t w = display_width(text); w < width; ++w) out += ' ';
    return out;
}

std::string name_cell(const ThreadStack& thread) { return thread.name ? printable_text(*thread.name) : "-"; }

// "held", "-" (not held), "n/a" (no GIL: a free-threaded build with the GIL disabled), "?".
std::string gil_cell(const ThreadStack& thread, const Snapshot& snapshot) {
    if (thread.holds_gil) return *thread.holds_gil ? "held" : "-";
    return snapshot.runtime.free_threaded ? "n/a" : "?";
}

std::string gc_cell(const ThreadStack& thread) {
    if (!thread.gc_collecting) return thread.python ? "?" : "-";
    return *thread.gc_collecting ? "yes" : "-";
}

std::string frame_text(const PyFrame& frame) {
    return fmt::format("{} ({}:{}){}", printable_text(frame.qualname), printable_text(frame.file),
                       frame.line < 0 ? "?" : std::to_string(frame.line), render_task_mark(frame));
}

// `Event.wait`; before 3.11 (no co_qualname) `wait (threading.py)`.
std::string method_text(const PyFrame& frame) {
    if (frame.qualname.find('.') != std::string::npos) return printable_text(frame.qualname);
    return fmt::format("{} ({})", printable_text(frame.qualname), printable_text(path_basename(frame.file)));
}

// The innermost Python frame; in threading's or queue's plumbing, the user's frame that called
// it and the method it called instead: `take (hangs.py:77) in Event.wait`.
std::string frame_cell(const ThreadStack& thread) {
    const PyFrame* innermost = nullptr;
    const PyFrame* called = nullptr;  // the outermost of the threading/queue frames on top
    for (const auto& frame : thread.frames) {
        if (frame.kind != StackFrame::Kind::Python) continue;
        if (!innermost) innermost = &frame.python;
        if (!is_threading_source(frame.python.file))
            return called ? frame_text(frame.python) + " in " + method_text(*called)
                          : frame_text(frame.python);
        called = &frame.python;
    }
    if (innermost) return frame_text(*innermost);  // threading's own thread: a Timer, a primitive as target
    return thread.python ? "(no Python frame)" : "(no Python thread state)";
}

std::string gil_summary(const Snapshot& snapshot) {
    for (const auto& thread : snapshot.threads)
        if (thread.holds_gil.value_or(false)) return fmt::format("GIL held by {}", thread.tid);
    for (const auto& thread : snapshot.threads)
        if (thread.python && !thread.holds_gil)
            return thread.gil_note.empty() ? "GIL unknown" : thread.gil_note;
    return "GIL free";
}

}  // namespace

std::string render_threads_text(const Snapshot& snapshot, const ThreadsRenderOptions& options) {
    std::string out = render_target_warnings(snapshot.target);
    const char* kind = snapshot.target.kind == TargetKind::Core ? "core" : "live";
    fmt::format_to(std::back_inserter(out), "CPython {}{} in {} process {}: {} thread{}, {}\n\n",
                   snapshot.runtime.version, snapshot.runtime.free_threaded ? " (free-threaded)" : "", kind,
                   snapshot.target.pid, snapshot.threads.size(), snapshot.threads.size() == 1 ? "" : "s",
                   gil_summary(snapshot));
    if (std::string note = render_modules_note(snapshot.modules, snapshot.target.kind); !note.empty())
        out.insert(out.size() - 1, note);
    if (std::string notes = render_walk_notes(snapshot); !notes.empty()) out.insert(out.size() - 1, notes);
    size_t tid_width = 3, name_width = 4;
    for (const auto& thread : snapshot.threads) {
        tid_width = std::max(tid_width, std::to_string(thread.tid).size());
        name_width = std::max(name_width, display_width(name_cell(thread)));
    }
    name_width = std::min<size_t>(name_width, 40);
    size_t waiting_width = 7;
    for (const auto& thread : snapshot.threads)
        waiting_width = std::max(waiting_width, display_width(render_waiting_text(snapshot, thread)));
    waiting_width = std::min<size_t>(waiting_width, 80);
    auto line = [&](std::string_view tid, std::string_view name, std::string_view gil, std::string_view gc,
                    std::string_view state, std::string_view waiting, std::string_view frame) {
        std::string text = fmt::format("{}  {}  {}  {}  {}  {}  {}", padded(tid, tid_width),
                                       padded(name, name_width), padded(gil, 4), padded(gc, 3),
                                       padded(state, 15), padded(waiting, waiting_width), frame);
        while (!text.empty() && text.back() == ' ') text.pop_back();
        return text + "\n";
    };
    out += line("TID", "NAME", "GIL", "GC", "STATE", "WAITING", "PYTHON FRAME");
    for (const auto& thread : snapshot.threads) {
        out +=
            line(std::to_string(thread.tid), name_cell(thread), gil_cell(thread, snapshot), gc_cell(thread),
                 activity_name(thread.activity), render_waiting_text(snapshot, thread), frame_cell(thread));
        if (options.stacks) {
            out += render_thread_stack_text(snapshot, thread, options.frames);
            out += "\n";
        }
    }
    if (!snapshot.deadlocks.empty()) out += "\n";
    for (const auto& deadlock : snapshot.deadlocks) out += render_deadlock_line(snapshot, deadlock) + "\n";
    return out;
}

}  // namespace pyxray

// py-refcnt and py-refwatch (issue 6): one object's reference count, and its history across the
// stops a debugger front-end makes. The front-ends set breakpoints or watchpoints and give the
// follow loop its hooks (resume, and what a stop shows); everything else (which stops are
// followed, what changed, where, the per-site and per-call balances, the leaky returns and the
// rendering) is decided once, in this core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pyxray/repr.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

// What Py_REFCNT would return, and whether the object is immortal (3.12+, PEP 683).
struct Refcount {
    int64_t value = 0;
    bool immortal = false;
    bool operator==(const Refcount&) const = default;
};

// py-refcnt's answer for one object.
struct RefcntReport {
    uint64_t address = 0;
    Refcount refcount;
    std::string type;
    std::string repr;
};

// "0x...: refcnt 3 (type Token) <__main__.Token object at 0x...>"
std::string render_refcnt_text(const RefcntReport& report);
// {"pyxray": 1, "refcnt": {"object": "0x...", "refcount": 3, "immortal": false, "type": ..., "repr": ...}}
std::string render_refcnt_json(const RefcntReport& report);

inline constexpr std::string_view kRefcntUsage = "py-refcnt OBJECT [--json]";
inline constexpr std::string_view kRefwatchUsage =
    "py-refwatch OBJECT [--each-line FUNCTION] [--break LOCATION ...] [--watch] [--count N] [--json]";

struct RefcntCommand {
    std::string object;  // an address, a debugger expression or py:NAME
    bool json = false;
};

struct RefwatchCommand {
    std::string object;
    std::optional<std::string> each_line;
    std::vector<std::string> breaks;
    bool watch = false;  // also true when neither --each-line nor --break is given
    std::optional<size_t> count;
    bool json = false;
};

Result<RefcntCommand> parse_refcnt_command(const std::vector<std::string>& words);
Result<RefwatchCommand> parse_refwatch_command(const std::vector<std::string>& words);

// "py:NAME" names a variable of the selected Python frame; the name, or nothing for anything else.
std::optional<std::string> python_variable_name(std::string_view object);

// A place in the source: a C line the debugger stopped at, or a Python line.
struct SourceSite {
    std::string file;
    int line = 0;
    std::string function;
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    auto operator<=>(const SourceSite&) const = default;
};

// How a stop relates to the function watched with --each-line.
enum class StopKind {
    Other,  // a --break location or a watchpoint
    Entry,  // the first instruction of the function: a call starts
    Line,   // a line inside the function
    Exit,   // the function's epilogue: the call returns
};

// One address of a C function's line table, as the debugger reports it.
struct LineAddress {
    uint64_t pc = 0;
    std::string file;
    int line = 0;
};

struct PlannedStop {
    SourceSite site;
    StopKind kind = StopKind::Line;
};

// Where --each-line FUNCTION breaks: every line-table address of the function at or after
// `function_start` (those of inlined helpers in headers too), the function's first
// instruction as Entry and the first address of its last line in its own file (the epilogue
// every return jumps to at -O0) as Exit; the epilogue's later addresses are left out. Empty
// when `entries` holds none. Front-ends take a stop's site from its frames (choose_c_site),
// so a stop inside an inlined Py_INCREF stands for the line that called it.
std::map<uint64_t, PlannedStop> plan_each_line(std::vector<LineAddress> entries, uint64_t function_start,
                                               const std::string& function);

// The site a stop outside --each-line's plan is put on, from the stopped thread's frames
// (innermost first): the first one outside a header, so a change made in Py_INCREF's body in
// object.h lands on the C line that called it; the innermost with a line if all are headers.
SourceSite choose_c_site(const std::vector<SourceSite>& frames);

struct RefChange {
    Refcount old_count, new_count;
    SourceSite site;                   // the C line that changed it
    std::optional<SourceSite> python;  // the innermost Python frame then
};

struct SiteBalance {
    SourceSite site;
    size_t increments = 0, decrements = 0;
    int64_t net = 0;
};

// The calls of the --each-line function that returned from one line.
struct ReturnBalance {
    SourceSite site;
    size_t calls = 0;
    int64_t net = 0;  // the refcount change over all those calls
};

enum class RefwatchEnd { Count, Freed, Exited, Interrupted, OtherBreakpoint, OtherStop, Error };

// What the debugger says about a stop while py-refwatch follows the object, or why the target
// did not stop: Exited (it is gone), Interrupted (Ctrl-C reached the debugger itself), Failed
// (the debugger could not resume it; `detail` says what it said).
enum class StopCause { Breakpoint, Watchpoint, Signal, Other, Exited, Interrupted, Failed };

struct ObservedStop {
    StopCause cause = StopCause::Other;
    bool ours = false;                 // one of py-refwatch's own breakpoints or watchpoints
    std::vector<int64_t> breakpoints;  // the debugger's numbers of what explains the stop
    uint64_t pc = 0;                   // of the stopped thread
    SourceSite site;                   // where it stopped, for the text that ends the watch
    std::string detail;                // the signal's name, or what else stopped it
};

// A resume that ended nowhere to read: Exited, Interrupted or Failed, with what the debugger said.
inline ObservedStop not_stopped(StopCause cause, std::string detail = {}) {
    ObservedStop stop;
    stop.cause = cause;
    stop.detail = std::move(detail);
    return stop;
}

// The --each-line function's code, [start, end).
struct CodeRange {
    uint64_t start = 0, end = 0;
    bool contains(uint64_t pc) const { return start <= pc && pc < end; }
};

// Whether py-refwatch follows the object through this stop (nothing) or ends there (why, and
// which breakpoint or signal it was). Its own stops are followed, and so is any breakpoint
// inside the --each-line function: the user's own at its entry or on one of its lines stops
// the same calls py-refwatch follows (gdb and LLDB differ in which breakpoints they report
// when two share an address). Anything else ends the watch, the user's watchpoints included;
// SIGINT and SIGSTOP (how LLDB interrupts) are the user's Ctrl-C.
std::optional<std::pair<RefwatchEnd, std::string>> classify_stop(const ObservedStop& stop,
                                                                 const std::optional<CodeRange>& watched);

// --each-line's breakpoints by address and the function's code; both empty without it.
struct RefwatchPlan {
    std::map<uint64_t, PlannedStop> stops;
    std::optional<CodeRange> code;
};

// The change log and its aggregations. Feed it every stop with the refcount read there.
class RefWatch {
public:
    RefWatch(uint64_t object, std::string type, Refcount initial, std::optional<size_t> max_changes);

    // Whether `now` differs from the last refcount seen (then the front-end looks up the
    // Python frame before calling record).
    bool changed(const Refcount& now) const { return !(now == last_); }
    // Records a stop; returns the line to print when the refcount changed, else "". With
    // --each-line a change is put on the line that ran since the previous stop in the call;
    // a change seen at Entry happened outside the function, and goes to the Python caller.
    std::string record(const SourceSite& site, StopKind kind, const Refcount& now,
                       const std::optional<SourceSite>& python);
    bool done() const { return max_changes_ && changes_.size() >= *max_changes_; }
    void end(RefwatchEnd reason, std::string detail = {});

    const std::vector<RefChange>& changes() const { return changes_; }
    std::vector<SiteBalance> sites() const;
    std::vector<ReturnBalance> returns() const;
    // The return lines whose calls, together, left the refcount higher than on entry.
    std::vector<ReturnBalance> leaky_returns() const;

    std::string render_text() const;
    std::string render_json() const;

private:
    SourceSite change_site(const SourceSite& site, StopKind kind,
                           const std::optional<SourceSite>& python) const;
    void note_call(const SourceSite& site, StopKind kind, const Refcount& now);

    uint64_t object_;
    std::string type_;
    Refcount initial_, last_;
    std::optional<size_t> max_changes_;
    std::vector<RefChange> changes_;
    std::map<SourceSite, SiteBalance> sites_;
    std::map<SourceSite, ReturnBalance> returns_;
    std::optional<Refcount> call_entry_;       // the refcount at the open call's entry
    std::optional<SourceSite> previous_line_;  // the last line stopped at in the open call
    size_t stops_ = 0;                         // every stop recorded, changed or not
    RefwatchEnd end_ = RefwatchEnd::Exited;
    std::string end_detail_;
};

// What py-refwatch's follow loop needs from a debugger (as SampleLoopHooks is for py-sample).
// Every hook but resume is about the stop resume last reported, in the thread that stopped.
struct RefwatchHooks {
    // Runs the target until it stops again; why it stopped, or why it cannot go on.
    std::function<ObservedStop()> resume;
    // Py_REFCNT of the watched object; an error when the address holds no object any more.
    std::function<Result<Refcount>()> refcount;
    // The stopped thread's frames, innermost first, for choose_c_site.
    std::function<std::vector<SourceSite>()> frames;
    // The stopped thread's innermost Python frame; asked only when the refcount changed.
    std::function<std::optional<SourceSite>()> python_site;
    // Shows a change's line as it happens.
    std::function<void(const std::string&)> print;
};

// py-refwatch's loop, the same for every debugger: resume; end the watch at any stop
// classify_stop does not follow, and when the object is freed; else record the refcount
// there, until --count changes were seen.
void follow_refwatch(RefWatch& watch, const RefwatchPlan& plan, const RefwatchHooks& hooks);

// Renders a change as py-refwatch prints it when it happens:
// "refcnt 2 -> 3 at leaky (refleak.c:10) <- driver.py:9"
std::string render_change(const RefChange& change);

}  // namespace pyxray

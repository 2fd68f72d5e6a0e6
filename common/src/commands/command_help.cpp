#include "pyxray/command_help.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "pyxray/refwatch.hpp"
#include "pyxray/repr.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

// Their defaults are ReprLimits' own.
std::span<const OptionHelp> repr_limit_options() {
    static const ReprLimits defaults;
    static const std::string help[] = {
        fmt::format("show at most N characters of a str (default {})", defaults.max_string),
        fmt::format("show at most N items of a container (default {})", defaults.max_items),
        fmt::format("show containers nested at most N deep (default {})", defaults.max_depth),
    };
    static const OptionHelp options[] = {
        {"--max-string", "N", help[0]},
        {"--max-items", "N", help[1]},
        {"--max-depth", "N", help[2]},
        {"--verbose", "", "also the attributes of instances of Python classes"},
    };
    return options;
}

constexpr OptionHelp kColorOption[] = {
    {"--color", "WHEN", "auto (on a terminal, unless NO_COLOR is set), always, never", kColorChoices},
};

constexpr OptionHelp kXbtOptions[] = {
    {"-a, --all-threads", "", "every thread, not just the selected one"},
    {"--python-only", "", "Python frames only"},
    {"--native-all", "", "keep the interpreter's plumbing frames (_PyEval_Vector)"},
    {"--locals", "", "each Python frame's arguments and local variables"},
    {"--json", "", "one JSON document instead of text (never coloured)"},
};
constexpr std::string_view kXbtExamples[] = {"py-xbt", "py-xbt -a --python-only",
                                             "py-xbt --locals --max-items 10", "py-xbt -a --json"};

constexpr OptionHelp kThreadsOptions[] = {
    {"--stacks", "", "each thread's merged Python/C stack under its line"},
    {"--json", "", "one JSON document (py-xbt --json's) instead of text"},
};
constexpr std::string_view kThreadsExamples[] = {"py-threads", "py-threads --stacks"};

constexpr OptionHelp kTasksOptions[] = {
    {"--tree", "", "the await graph as a tree from the tasks nobody awaits, with each coroutine chain"},
    {"--json", "", "one JSON document instead of text"},
};
constexpr std::string_view kTasksExamples[] = {"py-tasks", "py-tasks --tree", "py-tasks --json"};

constexpr OptionHelp kHeapOptions[] = {
    {"--top", "N", "the N biggest types (default 20)"},
    {"--by", "ORDER", "order types by bytes (default) or count", kHeapOrderChoices},
    {"--containers", "N", "the N longest lists, dicts, sets and tuples (default 10)"},
    {"--deep", "", "also count the untracked objects they refer to (str, int, ...)"},
    {"--deep-cap", "N", "visit at most N untracked objects (default 10000000)"},
    {"--json", "", "one JSON document, every type, instead of text"},
};
constexpr std::string_view kHeapExamples[] = {"py-heap", "py-heap --by count --top 40", "py-heap --deep",
                                              "py-heap --json"};

constexpr std::string_view kUpExamples[] = {"py-up", "py-up 2"};
constexpr std::string_view kDownExamples[] = {"py-down", "py-down 2"};
constexpr std::string_view kFrameExamples[] = {"py-frame", "py-frame 3"};
constexpr std::string_view kLocalsExamples[] = {"py-locals", "py-locals 1 --max-string 40"};
constexpr std::string_view kPrintExamples[] = {"py-print data", "py-print config --verbose"};
constexpr std::string_view kListExamples[] = {"py-list", "py-list 10,30"};

// The rate's default is SampleOptions' own.
const std::string kSampleRateHelp = fmt::format(
    "stops per second on average, at random intervals around 1/HZ (default {:g})", SampleOptions{}.rate_hz);

const OptionHelp kSampleOptions[] = {
    {"--rate", "HZ", kSampleRateHelp},
    {"--duration", "S", "sample for S seconds"},
    {"--samples", "N", "take N samples (neither: until Ctrl-C, at most an hour)"},
    {"--threads", "WHICH", "all (default) or current: the selected thread only", kSampleThreadChoices},
    {"--python-only", "", "Python frames only (faster: no native unwinding)"},
    {"--mode", "MODE", "wall (default): every thread; cpu: threads on a CPU; gil: the GIL holder",
     kSampleModeChoices},
    {"--idle", "", "cpu and gil: keep the other threads too, their stacks ending in (idle)"},
    {"-o, --output", "FILE",
     "write the profile to FILE (repeatable), in --format, else as its extension says (.folded, "
     ".speedscope.json, .html, .txt)"},
    {"--format", "FORMAT", "text (default), folded, speedscope or html (a stack chart and flame graph)",
     kSampleFormatChoices},
    {"--slow", "MS", "report threads whose stack kept the same base longer than MS"},
};
constexpr std::string_view kSampleExamples[] = {
    "py-sample --duration 5", "py-sample --rate 200 --samples 1000 -o out.html -o out.folded",
    "py-sample --mode cpu --python-only -o out.speedscope.json"};

constexpr OptionHelp kRefcntOptions[] = {
    {"--json", "", "one JSON document instead of text"},
};
constexpr std::string_view kRefcntExamples[] = {"py-refcnt 0x7f3a2c1b4e40", "py-refcnt $rsi",
                                                "py-refcnt py:token --json"};
constexpr OptionHelp kRefwatchOptions[] = {
    {"--each-line", "FUNCTION", "stop on every line of the C function FUNCTION"},
    {"--break", "LOCATION", "stop at LOCATION (repeatable), as `break` takes it"},
    {"--watch", "", "a hardware watchpoint on the refcount (the default without locations)"},
    {"--count", "N", "end after N changes"},
    {"--json", "", "one JSON document instead of text"},
};
constexpr std::string_view kRefwatchExamples[] = {"py-refwatch py:token --each-line lookup_leaky",
                                                  "py-refwatch 0x7f3a2c1b4e40 --watch --count 10",
                                                  "py-refwatch $rsi --break refleak.c:24 --json"};

constexpr std::string_view kBackendExamples[] = {"py-backend", "py-backend sbapi"};

constexpr std::string_view kTargets =
    "Works on live processes and core files; needs no debug info for libpython.";

constexpr CommandHelp kCommands[] = {
    {"py-xbt", "Print merged Python and C backtraces: Python frames in place of the eval loop",
     "py-xbt [-a|--all-threads] [--python-only] [--native-all] [--locals [--max-string N] "
     "[--max-items N] [--max-depth N] [--verbose]] [--color=WHEN] [--json]",
     kXbtOptions, true, true, kTargets, kXbtExamples},
    {"py-threads", "List every thread: OS tid, Python name, GIL, GC, state and innermost Python frame",
     "py-threads [--stacks] [--color=WHEN] [--json]", kThreadsOptions, false, true,
     "States: running (Python bytecode), native (C code or a syscall), waiting_for_gil, idle (a sleep "
     "or a wait), unknown. Names come from the target's threading module, else from the OS.",
     kThreadsExamples},
    {"py-tasks", "List every asyncio task: state, event-loop thread, coroutine, and what it awaits",
     "py-tasks [--tree] [--color=WHEN] [--json]", kTasksOptions, false, true,
     "States: pending, running (its loop's current task), done, cancelled. Read from memory on CPython "
     "3.8 and later, live and on cores: asyncio's task registries (3.14+: each thread's task list), "
     "each task's coroutine chain (what each `await` is on) and the tasks it awaits (the awaited task, "
     "a gather's or a TaskGroup's children). Tasks awaiting each other are named as a cycle.",
     kTasksExamples},
    {"py-heap", "Count the objects the garbage collector tracks, by type, and name the biggest containers",
     "py-heap [--top N] [--by bytes|count] [--containers N] [--deep [--deep-cap N]] [--color=WHEN] [--json]",
     kHeapOptions, false, true,
     "What gc.get_objects() would list, read from memory after the fact (each interpreter's GC "
     "lists; free-threaded builds: mimalloc's heaps), counted by module and qualified name with "
     "their bytes as sys.getsizeof() counts them. The longest containers come with who refers to "
     "them where that is cheap to tell: a module global, a class attribute, a thread's local.",
     kHeapExamples},
    {"py-up",
     "Select the Python frame COUNT (default 1) older than the selected one",
     "py-up [COUNT] [--color=WHEN]",
     {},
     false,
     true,
     kTargets,
     kUpExamples},
    {"py-down",
     "Select the Python frame COUNT (default 1) newer than the selected one",
     "py-down [COUNT] [--color=WHEN]",
     {},
     false,
     true,
     kTargets,
     kDownExamples},
    {"py-frame",
     "Select Python frame N (0 is the newest, as py-xbt --python-only numbers them), or show the selected "
     "one",
     "py-frame [N] [--color=WHEN]",
     {},
     false,
     true,
     kTargets,
     kFrameExamples},
    {"py-locals",
     "Show the arguments and local variables of the selected Python frame (or of frame N)",
     "py-locals [N] [--max-string N] [--max-items N] [--max-depth N] [--verbose] [--color=WHEN]",
     {},
     true,
     true,
     kTargets,
     kLocalsExamples},
    {"py-print",
     "Show NAME as the selected Python frame sees it: a local, else a global, else a builtin",
     "py-print NAME [--max-string N] [--max-items N] [--max-depth N] [--verbose] [--color=WHEN]",
     {},
     true,
     true,
     kTargets,
     kPrintExamples},
    {"py-list",
     "Show the source around the selected Python frame's current line (or lines START to END)",
     "py-list [START[,END]] [--color=WHEN]",
     {},
     false,
     true,
     kTargets,
     kListExamples},
    {"py-refcnt", "Print one object's reference count, type and repr", kRefcntUsage, kRefcntOptions, false,
     false,
     "OBJECT: an address, an expression that yields a PyObject * ($rsi, a C variable), or\n"
     "py:NAME for a variable of the selected Python frame. Works on live processes and cores.",
     kRefcntExamples},
    {"py-refwatch", "Follow one object's reference count across breakpoints or a watchpoint, to find a leak",
     kRefwatchUsage, kRefwatchOptions, false, false,
     "Prints each change with its C line and innermost Python line, then the increments and\n"
     "decrements per line and, with --each-line, the returns that leave the count higher\n"
     "(leaky returns first). Ends after N changes (--count), when the object is freed, when\n"
     "the target exits or on Ctrl-C; every breakpoint and watchpoint it made is deleted, and a\n"
     "live target is left stopped. OBJECT as for py-refcnt.",
     kRefwatchExamples},
    {"py-sample", "Sample the process: let it run, stop it, add up its threads' merged stacks, repeat",
     kSampleUsage, kSampleOptions, false, false,
     "Prints the top functions (self %, total %). Ctrl-C ends it early; the results are\n"
     "kept. The process is left stopped, as found, with the same thread selected.",
     kSampleExamples},
    {"py-backend",
     "LLDB only: show or choose where module symbols and sections come from",
     "py-backend [auto|direct|sbapi]",
     {},
     false,
     false,
     "direct: the ELF files on disk, as gdb and the pyxray CLI read them.\n"
     "sbapi: LLDB's own view of each module through its SB API, opening no\n"
     "file (the path for macOS targets).\n"
     "auto (the default, or PYXRAY_LLDB_BACKEND when LLDB started): direct for\n"
     "Linux targets, sbapi for others.\n"
     "Without an argument it shows the choice, what it means for the selected\n"
     "target, and how many look-ups LLDB's module view has answered.",
     kBackendExamples},
};

// "-a, --all-threads" -> {"-a", "--all-threads"}
std::vector<std::string_view> spellings(std::string_view names) {
    std::vector<std::string_view> out;
    while (!names.empty()) {
        size_t comma = names.find(',');
        out.push_back(names.substr(0, comma));
        if (comma == std::string_view::npos) break;
        names.remove_prefix(comma + 1);
        while (names.starts_with(' ')) names.remove_prefix(1);
    }
    return out;
}

std::string option_heading(const OptionHelp& option) {
    if (option.value.empty()) return std::string(option.names);
    // --color takes its value after '=', the numbers as the next word, as the parsers accept.
    return fmt::format("{}{}{}", option.names, option.names == "--color" ? "=" : " ", option.value);
}

}  // namespace

std::span<const CommandHelp> debugger_commands() { return kCommands; }

const CommandHelp* find_command_help(std::string_view name) {
    for (const auto& command : kCommands)
        if (command.name == name) return &command;
    return nullptr;
}

std::vector<OptionHelp> all_options(const CommandHelp& command) {
    std::vector<OptionHelp> options(command.options.begin(), command.options.end());
    if (command.takes_repr_limits) {
        auto limits = repr_limit_options();
        options.insert(options.end(), limits.begin(), limits.end());
    }
    if (command.takes_color) options.insert(options.end(), std::begin(kColorOption), std::end(kColorOption));
    return options;
}

std::string render_command_details(const CommandHelp& command) {
    std::string out;
    auto options = all_options(command);
    if (!options.empty()) out += "Options:\n";
    size_t width = 0;
    for (const auto& option : options) width = std::max(width, option_heading(option).size());
    for (const auto& option : options)
        out += fmt::format("  {:<{}}  {}\n", option_heading(option), width, option.help);
    if (!command.details.empty()) out += fmt::format("{}{}\n", out.empty() ? "" : "\n", command.details);
    if (!command.examples.empty()) out += "\nExamples:\n";
    for (auto example : command.examples) out += fmt::format("  {}\n", example);
    // What `apropos pyxray` finds every command by.
    out += "\nA pyxray command: `apropos pyxray` lists them all.\n";
    return out;
}

std::string render_command_help(const CommandHelp& command) {
    return fmt::format("{}.\n\nUsage: {}\n\n{}", command.summary, command.usage,
                       render_command_details(command));
}

std::string unknown_option_message(const CommandHelp& command, std::string_view word) {
    std::vector<std::string> valid;
    for (const auto& option : all_options(command)) {
        std::string names;
        for (auto spelling : spellings(option.names))
            names += (names.empty() ? "" : "/") + std::string(spelling);
        valid.push_back(option.value.empty() ? names : option_heading(option));
    }
    if (valid.empty())
        return fmt::format("unknown option '{}'; {} takes no options; usage: {}", word, command.name,
                           command.usage);
    return fmt::format("unknown option '{}'; valid options: {}", word, fmt::join(valid, ", "));
}

namespace {

// The option `word` spells (one of its names), with the list of values it takes; null if none.
const OptionHelp* option_with_choices(const std::vector<OptionHelp>& options, std::string_view word) {
    for (const auto& option : options)
        for (auto spelling : spellings(option.names))
            if (spelling == word && !option.choices.empty()) return &option;
    return nullptr;
}

std::vector<std::string> matching_values(const OptionHelp& option, std::string_view lead,
                                         std::string_view prefix) {
    std::vector<std::string> out;
    for (auto value : option.choices)
        if (value.starts_with(prefix)) out.push_back(fmt::format("{}{}", lead, value));
    return out;
}

}  // namespace

std::vector<std::string> complete_option(const CommandHelp& command, std::string_view prefix) {
    return complete_word(command, "", prefix);
}

std::vector<std::string> complete_word(const CommandHelp& command, std::string_view previous,
                                       std::string_view current) {
    auto options = all_options(command);
    if (size_t equals = current.find('='); current.starts_with("--") && equals != std::string_view::npos) {
        // Only --color is parsed with its value after '=' (option_heading spells it so).
        const OptionHelp* option = option_with_choices(options, current.substr(0, equals));
        if (!option || option->names != "--color") return {};
        return matching_values(*option, current.substr(0, equals + 1), current.substr(equals + 1));
    }
    if (const OptionHelp* option = option_with_choices(options, previous))
        return matching_values(*option, "", current);
    std::vector<std::string> out;
    if (!current.starts_with("-")) return out;
    for (const auto& option : options)
        for (auto spelling : spellings(option.names)) {
            std::string offered(spelling);
            if (spelling == "--color") offered += "=";
            if (offered.starts_with(current)) out.push_back(std::move(offered));
        }
    return out;
}

}  // namespace pyxray

#include "heap_command.hpp"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "help.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/session.hpp"

namespace pyxray::cli {

CLI::App* add_heap_command(CLI::App& app, HeapArguments& args) {
    const CommandHelp& help = *find_command_help("py-heap");
    CLI::App* heap = app.add_subcommand("heap", std::string(help.summary));
    TargetOptionHandles handles = add_target_options(*heap, args.target);
    heap->callback([&args, handles] { check_target_options(handles, args.target, "heap"); });
    HeapCommand& command = args.command;
    heap->add_option("--top", command.top, "Show the N biggest types (default 20)")
        ->check(CLI::PositiveNumber);
    heap->add_option("--by", args.order, "Order the types by bytes (default) or count")
        ->check(CLI::IsMember({"bytes", "count"}));
    heap->add_option("--containers", command.census.containers, "Show the N longest containers (default 10)")
        ->check(CLI::PositiveNumber);
    heap->add_flag("--deep", command.census.deep,
                   "Also count the untracked objects they refer to (str, int, ...)");
    heap->add_option("--deep-cap", command.census.deep_cap,
                     "Visit at most N untracked objects (default 10000000)")
        ->check(CLI::PositiveNumber);
    heap->add_flag("--json", command.json, "Print one JSON document, every type, instead of text");
    add_color_option(*heap, args.color);
    add_examples(*heap, {"pyxray heap --pid 1234", "pyxray heap --core core.1234 --by count --top 40",
                         "pyxray heap --pid 1234 --deep", "pyxray heap --core core.1234 --json"});
    return heap;
}

namespace {

// On a terminal, a long census says how far it got, on one line it erases when done.
struct ProgressLine {
    bool shown = false;
    void update(uint64_t counted) {
        std::fprintf(stderr, "\rpyxray heap: %" PRIu64 " objects counted...", counted);
        shown = true;
    }
    ~ProgressLine() {
        if (shown) std::fputs("\r\033[K", stderr);
    }
};

}  // namespace

Result<CommandOutput> run_heap(HeapArguments& args) {
    HeapCommand& command = args.command;
    ProgressLine line;
    if (isatty(STDERR_FILENO)) command.census.progress = [&line](uint64_t counted) { line.update(counted); };
    command.census.order = args.order == "count" ? HeapOrder::Count : HeapOrder::Bytes;
    command.color = color_stdout(args.color, command.json) ? ColorMode::Always : ColorMode::Never;
    PYXRAY_TRY(target, open_target(args.target));
    PYXRAY_TRY(session, Session::open(*target));
    return text_only(run_heap_command(session, command));
}

}  // namespace pyxray::cli

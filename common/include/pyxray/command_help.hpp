// What each debugger command says about itself: one table (command_help.cpp) that both
// debuggers' `help`, gdb's Tab completion and every "unknown option" error are made from.
// A new command opts in with one entry in that table; its front-ends then register it with
// their helper (gdb: pyxray_gdb.command.PyxrayCommand, LLDB: add_described_command).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pyxray/command_words.hpp"  // the shared options every parser takes
#include "pyxray/result.hpp"

namespace pyxray {

struct OptionHelp {
    std::string_view names;  // "-a, --all-threads": every spelling, comma-separated
    std::string_view value;  // "N", "WHEN": the value it takes; empty for a flag
    std::string_view help;
    std::span<const std::string_view> choices = {};  // the values it takes, when they are a list
};

// The lists of values options take, written once: the table, Tab completion and the CLI's
// checks use them.
inline constexpr std::string_view kColorChoices[] = {"auto", "always", "never"};
inline constexpr std::string_view kSampleFormatChoices[] = {"text", "folded", "speedscope", "html"};
inline constexpr std::string_view kSampleThreadChoices[] = {"all", "current"};
inline constexpr std::string_view kSampleModeChoices[] = {"wall", "cpu", "gil"};
inline constexpr std::string_view kHeapOrderChoices[] = {"bytes", "count"};

struct CommandHelp {
    std::string_view name;     // "py-xbt"
    std::string_view summary;  // one line, no full stop
    std::string_view usage;
    std::span<const OptionHelp> options;
    bool takes_repr_limits = false;  // also --max-string N, --max-items N, --max-depth N, --verbose
    bool takes_color = false;        // also --color=WHEN
    std::string_view details;        // paragraphs after the options; may be empty
    std::span<const std::string_view> examples;
};

// Every command the debugger front-ends register, in the order `help` should list them.
std::span<const CommandHelp> debugger_commands();
// nullptr when `name` is no debugger command.
const CommandHelp* find_command_help(std::string_view name);

// The command's own options, then the shared groups it takes.
std::vector<OptionHelp> all_options(const CommandHelp& command);
// The whole help: summary, usage, then the details (git's and gdb's shape).
std::string render_command_help(const CommandHelp& command);
// Options, details and examples, for a debugger that shows summary and usage itself (LLDB).
// Lines stay under 80 columns: LLDB wraps longer ones.
std::string render_command_details(const CommandHelp& command);
// `unknown option '--x'; valid options: -a/--all-threads, --python-only, ...`
std::string unknown_option_message(const CommandHelp& command, std::string_view word);
// Every spelling of every option that starts with `prefix`, for Tab completion; an option
// taking a value is offered as `--color=` when it is spelt that way in the table.
std::vector<std::string> complete_option(const CommandHelp& command, std::string_view prefix);
// Tab completion of the word being typed, `current`, after the word `previous` ("" at the
// start): the values of an option that takes a list of them (`--format fo`, `--color=al`),
// else the options that start with `current`.
std::vector<std::string> complete_word(const CommandHelp& command, std::string_view previous,
                                       std::string_view current);

}  // namespace pyxray

// What every `pyxray` subcommand shares about how it presents itself: --color, the examples
// under --help, the one-line error for a bad command line, and --version.
#pragma once

#include <CLI/CLI.hpp>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pyxray::cli {

// `--color=WHEN` (auto, always, never) into `when`, default auto.
void add_color_option(CLI::App& command, std::string& when);
// Whether to colour standard output for `when` (pyxray/color.hpp: NO_COLOR, never with JSON).
bool color_stdout(const std::string& when, bool json);
// CLI::IsMember's list for one of the core's value lists (pyxray/command_help.hpp).
std::vector<std::string> member_list(std::span<const std::string_view> choices);
// "Examples:" under the command's --help, one command line each.
void add_examples(CLI::App& command, std::initializer_list<std::string_view> examples);
// One line for a bad command line: an unknown option names itself and the command's valid ones.
std::string parse_error_message(const CLI::App& app, const CLI::ParseError& error);
// `pyxray 0.1.0` and what the plugins were built for.
std::string version_text();

}  // namespace pyxray::cli

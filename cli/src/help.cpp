#include "help.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <vector>

#include "pyxray/color.hpp"
#include "pyxray/command_help.hpp"

namespace pyxray::cli {
namespace {

// The subcommand the words named, else the application itself.
const CLI::App& command_parsed(const CLI::App& app) {
    for (const CLI::App* sub : app.get_subcommands()) return *sub;
    return app;
}

std::vector<std::string> option_names(const CLI::App& command) {
    std::vector<std::string> names;
    for (const CLI::Option* option : command.get_options()) {
        if (option->nonpositional()) names.push_back(option->get_name(false, true));
    }
    return names;
}

}  // namespace

std::vector<std::string> member_list(std::span<const std::string_view> choices) {
    return {choices.begin(), choices.end()};
}

void add_color_option(CLI::App& command, std::string& when) {
    command
        .add_option("--color", when,
                    "Colour the text: auto (on a terminal, unless NO_COLOR is set), always, never")
        ->check(CLI::IsMember(member_list(kColorChoices)))
        ->option_text("WHEN (default: auto)");
}

bool color_stdout(const std::string& when, bool json) {
    auto mode = parse_color_mode(when);
    return use_color(mode ? *mode : ColorMode::Auto, isatty(STDOUT_FILENO) == 1, json);
}

void add_examples(CLI::App& command, std::initializer_list<std::string_view> examples) {
    std::string footer = "\nExamples:";
    for (auto example : examples) footer += fmt::format("\n  {}", example);
    command.footer(footer + "\n\nSee pyxray(1) for more.");
}

std::string parse_error_message(const CLI::App& app, const CLI::ParseError& error) {
    const CLI::App& command = command_parsed(app);
    std::string name = command.get_parent() == nullptr ? "pyxray" : "pyxray " + command.get_name();
    if (command.get_parent() == nullptr && !command.remaining().empty()) {
        std::vector<std::string> names;
        for (const CLI::App* sub : command.get_subcommands([](const CLI::App*) { return true; }))
            names.push_back(sub->get_name());
        return fmt::format("unknown command or option '{}'; commands: {}; see pyxray --help",
                           command.remaining().front(), fmt::join(names, ", "));
    }
    if (const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&error)) {
        std::string word = extras->what();
        word = word.substr(word.rfind(' ') + 1);
        return fmt::format("unknown option or argument '{}' for {}; valid options: {}; see {} --help", word,
                           name, fmt::join(option_names(command), ", "), name);
    }
    return fmt::format("{}; see {} --help", error.what(), name);
}

std::string version_text() {
    return fmt::format("pyxray {}\ngdb module built for Python {}, LLDB plugin for lldb-{}", PYXRAY_VERSION,
                       PYXRAY_GDB_PYTHON, PYXRAY_LLDB_MAJOR);
}

}  // namespace pyxray::cli

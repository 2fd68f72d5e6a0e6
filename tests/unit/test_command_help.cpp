// The debugger commands' table: help text, unknown-option errors, Tab completion, colour.
#include <gtest/gtest.h>

#include <cstdlib>

#include "pyxray/color.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/frame_commands.hpp"

namespace pyxray {
namespace {

const CommandHelp& xbt() { return *find_command_help("py-xbt"); }

TEST(CommandHelp, EveryFrameVerbIsDescribed) {
    for (FrameVerb verb : kFrameVerbs) EXPECT_NE(find_command_help(frame_command_name(verb)), nullptr);
}

TEST(CommandHelp, HelpHasSummaryUsageOptionsAndExamples) {
    for (const auto& command : debugger_commands()) {
        std::string help = render_command_help(command);
        EXPECT_NE(help.find("Usage: " + std::string(command.usage)), std::string::npos) << help;
        EXPECT_NE(help.find("Examples:\n  " + std::string(command.name)), std::string::npos) << help;
    }
    std::string help = render_command_help(xbt());
    EXPECT_NE(help.find("  -a, --all-threads "), std::string::npos) << help;
    EXPECT_NE(help.find("  --max-items N "), std::string::npos) << help;
    EXPECT_NE(help.find("  --color=WHEN "), std::string::npos) << help;
}

TEST(CommandHelp, UnknownOptionNamesItAndTheValidOnes) {
    EXPECT_EQ(unknown_option_message(*find_command_help("py-threads"), "--bogus"),
              "unknown option '--bogus'; valid options: --stacks, --json, --color=WHEN");
    std::string message = unknown_option_message(xbt(), "-x");
    EXPECT_NE(message.find("-a/--all-threads, --python-only"), std::string::npos) << message;
    EXPECT_NE(message.find("--max-depth N, --verbose"), std::string::npos) << message;
}

TEST(CommandHelp, CompletesEverySpellingAndColorValues) {
    EXPECT_EQ(complete_option(xbt(), "--n"), std::vector<std::string>{"--native-all"});
    EXPECT_EQ(complete_option(xbt(), "--max-i"), std::vector<std::string>{"--max-items"});
    EXPECT_EQ(complete_option(xbt(), "--col"), std::vector<std::string>{"--color="});
    EXPECT_EQ(complete_option(xbt(), "--color=a"),
              (std::vector<std::string>{"--color=auto", "--color=always"}));
    EXPECT_EQ(complete_option(xbt(), "-").size(), 11u);
}

TEST(CommandHelp, CompletesTheValuesOfOptionsThatTakeAList) {
    const CommandHelp& sample = *find_command_help("py-sample");
    EXPECT_EQ(complete_word(sample, "--format", "f"), std::vector<std::string>{"folded"});
    EXPECT_EQ(complete_word(sample, "--format", "").size(), 4u);
    EXPECT_EQ(complete_word(sample, "--threads", "c"), std::vector<std::string>{"current"});
    // only --color is parsed with its value after '='
    EXPECT_EQ(complete_word(sample, "", "--format=s"), std::vector<std::string>{});
    EXPECT_EQ(complete_word(xbt(), "--color", "n"), std::vector<std::string>{"never"});
    EXPECT_EQ(complete_word(xbt(), "", "--color=n"), std::vector<std::string>{"--color=never"});
    // a value that takes no list: nothing to offer
    EXPECT_EQ(complete_word(sample, "--rate", "1"), std::vector<std::string>{});
    EXPECT_EQ(complete_word(sample, "--rate", "--th"), std::vector<std::string>{"--threads"});
}

TEST(Color, ModesAndTheEnvironment) {
    std::vector<std::string> words = {"--color", "always", "--color=never", "--color=sometimes"};
    ColorMode mode = ColorMode::Auto;
    size_t index = 0;
    ASSERT_TRUE(*take_color_option(words, index, mode));
    EXPECT_EQ(mode, ColorMode::Always);
    EXPECT_EQ(index, 1u);
    index = 2;
    ASSERT_TRUE(*take_color_option(words, index, mode));
    EXPECT_EQ(mode, ColorMode::Never);
    index = 3;
    auto bad = take_color_option(words, index, mode);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "--color needs one of auto, always, never, not 'sometimes'");

    unsetenv("NO_COLOR");
    setenv("TERM", "xterm", 1);
    EXPECT_TRUE(use_color(ColorMode::Auto, true, false));
    EXPECT_FALSE(use_color(ColorMode::Auto, false, false));
    EXPECT_FALSE(use_color(ColorMode::Always, true, true));  // JSON is never coloured
    setenv("NO_COLOR", "1", 1);
    EXPECT_FALSE(use_color(ColorMode::Auto, true, false));
    EXPECT_TRUE(use_color(ColorMode::Always, false, false));
    unsetenv("NO_COLOR");
    EXPECT_EQ(styled("f", Style::Heading, false), "f");
    EXPECT_EQ(styled("f", Style::Heading, true), "\x1b[1mf\x1b[0m");
}

TEST(Color, FrameCommandsTakeColorAndStyleTheCurrentLine) {
    auto listed = parse_frame_command(FrameVerb::List, {"--color=always", "3,4"});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->color, ColorMode::Always);
    EXPECT_EQ(listed->first_line, 3);
    auto bad = parse_frame_command(FrameVerb::Up, {"--color", "blue"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("not 'blue'; usage: py-up [COUNT] [--color=WHEN]"), std::string::npos)
        << bad.error().message;
}

}  // namespace
}  // namespace pyxray

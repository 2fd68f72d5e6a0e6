// py-xbt's and py-threads' words, parsed once in the core for gdb, LLDB and the CLI: options,
// defaults and errors. Pure, no target.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pyxray/command_help.hpp"
#include "pyxray/command_words.hpp"
#include "pyxray/xbt_command.hpp"

namespace pyxray {
namespace {

Result<XbtCommand> xbt(std::vector<std::string> words) { return parse_xbt_command(words); }
Result<ThreadsCommand> threads(std::vector<std::string> words) { return parse_threads_command(words); }

TEST(XbtCommand, NoWordsAreTheDefaults) {
    auto command = xbt({});
    ASSERT_TRUE(command) << command.error().message;
    EXPECT_FALSE(command->all_threads);
    EXPECT_FALSE(command->python_only);
    EXPECT_FALSE(command->native_all);
    EXPECT_FALSE(command->locals);
    EXPECT_FALSE(command->json);
    EXPECT_EQ(command->color, ColorMode::Auto);
    const ReprLimits defaults;
    EXPECT_EQ(command->limits.max_string, defaults.max_string);
    EXPECT_EQ(command->limits.max_items, defaults.max_items);
    EXPECT_EQ(command->limits.max_depth, defaults.max_depth);
    EXPECT_FALSE(command->limits.verbose);
    XbtOptions options = xbt_options(*command);
    EXPECT_FALSE(options.locals);  // without --locals no variables are read
    EXPECT_FALSE(options.only_tid);
}

TEST(XbtCommand, EveryOptionAndSpelling) {
    auto command = xbt({"-a", "--python-only", "--native-all", "--locals", "--json", "--max-string", "9",
                        "--max-items", "3", "--max-depth", "2", "--verbose", "--color=never"});
    ASSERT_TRUE(command) << command.error().message;
    EXPECT_TRUE(command->all_threads);
    EXPECT_TRUE(command->python_only);
    EXPECT_TRUE(command->native_all);
    EXPECT_TRUE(command->json);
    EXPECT_EQ(command->color, ColorMode::Never);
    XbtOptions options = xbt_options(*command);
    EXPECT_TRUE(options.python_only);
    EXPECT_TRUE(options.native_all);
    ASSERT_TRUE(options.locals);
    EXPECT_EQ(options.locals->max_string, 9u);
    EXPECT_EQ(options.locals->max_items, 3u);
    EXPECT_EQ(options.locals->max_depth, 2u);
    EXPECT_TRUE(options.locals->verbose);
    EXPECT_TRUE(xbt({"--all-threads"})->all_threads);
    EXPECT_EQ(xbt({"--color", "always"})->color, ColorMode::Always);
}

TEST(XbtCommand, ErrorsNameTheBadWord) {
    struct Case {
        std::vector<std::string> words;
        std::string message;
    };
    std::vector<Case> cases = {
        {{"--max-string"}, "--max-string needs a positive number, not ''"},
        {{"--max-items", "0"}, "--max-items needs a positive number, not '0'"},
        {{"--max-depth", "-3"}, "--max-depth needs a positive number, not '-3'"},
        {{"--color=sometimes"}, "--color needs one of auto, always, never, not 'sometimes'"},
        {{"--color"}, "--color needs one of auto, always, never, not ''"},
        {{"--stacks"}, unknown_option_message(*find_command_help("py-xbt"), "--stacks")},
        {{"-a", "extra"}, unknown_option_message(*find_command_help("py-xbt"), "extra")},
    };
    for (const auto& c : cases) {
        auto parsed = xbt(c.words);
        ASSERT_FALSE(parsed) << c.words.front();
        EXPECT_EQ(parsed.error().message, c.message);
    }
    EXPECT_NE(xbt({"--bogus"}).error().message.find("valid options: -a/--all-threads"), std::string::npos);
}

TEST(ThreadsCommand, OptionsDefaultsAndErrors) {
    auto plain = threads({});
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->stacks);
    EXPECT_FALSE(plain->json);
    EXPECT_EQ(plain->color, ColorMode::Auto);
    auto all = threads({"--stacks", "--json", "--color", "never"});
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_TRUE(all->stacks);
    EXPECT_TRUE(all->json);
    EXPECT_EQ(all->color, ColorMode::Never);
    EXPECT_EQ(threads({"--bogus"}).error().message,
              "unknown option '--bogus'; valid options: --stacks, --json, --color=WHEN");
    // py-xbt's options are not py-threads'
    EXPECT_FALSE(threads({"-a"}));
    EXPECT_FALSE(threads({"--max-string", "5"}));
}

// Every spelling of `option` ("-a, --all-threads"), with one value when it takes one.
std::vector<std::vector<std::string>> uses_of(const OptionHelp& option) {
    std::vector<std::vector<std::string>> uses;
    std::string_view names = option.names;
    for (size_t start = 0; start < names.size();) {
        size_t comma = std::min(names.find(", ", start), names.size());
        std::vector<std::string> words = {std::string(names.substr(start, comma - start))};
        if (!option.value.empty())
            words.push_back(option.choices.empty() ? "1" : std::string(option.choices[0]));
        uses.push_back(words);
        start = comma + 2;
    }
    return uses;
}

// The table (help, completion, unknown-option errors) and the parsers name the same options.
TEST(XbtCommand, ParsesEveryOptionTheTableLists) {
    size_t checked = 0;
    for (const auto& option : all_options(*find_command_help("py-xbt")))
        for (const auto& words : uses_of(option)) {
            auto parsed = parse_xbt_command(words);
            EXPECT_TRUE(parsed) << words.front() << ": " << parsed.error().message;
            ++checked;
        }
    for (const auto& option : all_options(*find_command_help("py-threads")))
        for (const auto& words : uses_of(option)) {
            auto parsed = parse_threads_command(words);
            EXPECT_TRUE(parsed) << words.front() << ": " << parsed.error().message;
            ++checked;
        }
    EXPECT_EQ(checked, 11u + 3u);  // py-xbt: -a, --all-threads, 4 flags, 4 limits, --color
}

TEST(CommandWords, CountsAndReprLimits) {
    EXPECT_EQ(parse_count("12"), 12u);
    EXPECT_EQ(parse_count(""), std::nullopt);
    EXPECT_EQ(parse_count("1x"), std::nullopt);
    EXPECT_EQ(parse_count("-1"), std::nullopt);
    std::vector<std::string> words = {"--max-items", "7", "--other"};
    ReprLimits limits;
    size_t index = 0;
    ASSERT_TRUE(*take_repr_limit_option(words, index, limits));
    EXPECT_EQ(index, 1u);  // left at the option's last word
    EXPECT_EQ(limits.max_items, 7u);
    index = 2;
    EXPECT_FALSE(*take_repr_limit_option(words, index, limits));
    EXPECT_EQ(index, 2u);
}

TEST(CommandWords, HelpStatesTheCoreDefaults) {
    const ReprLimits defaults;
    std::string help = render_command_help(*find_command_help("py-xbt"));
    for (size_t value : {defaults.max_string, defaults.max_items, defaults.max_depth})
        EXPECT_NE(help.find("(default " + std::to_string(value) + ")"), std::string::npos) << help;
    EXPECT_NE(help.find("show at most N characters of a str (default 200)"), std::string::npos) << help;
}

}  // namespace
}  // namespace pyxray

// The Python-frame commands' argument parsing and source listing: pure, no target.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "commands/source_listing.hpp"
#include "pyxray/frame_commands.hpp"

namespace pyxray {
namespace {

Result<FrameCommand> parse(FrameVerb verb, std::vector<std::string> words) {
    return parse_frame_command(verb, words);
}

TEST(FrameCommands, CountsFramesAndNamesAndRanges) {
    EXPECT_EQ(parse(FrameVerb::Up, {})->number, std::nullopt);
    EXPECT_EQ(parse(FrameVerb::Up, {"3"})->number, 3u);
    EXPECT_EQ(parse(FrameVerb::Frame, {"0"})->number, 0u);
    EXPECT_EQ(parse(FrameVerb::Print, {"token"})->name, "token");
    auto range = parse(FrameVerb::List, {"10,20"});
    ASSERT_TRUE(range);
    EXPECT_EQ(range->first_line, 10);
    EXPECT_EQ(range->last_line, 20);
    EXPECT_EQ(parse(FrameVerb::List, {"7"})->last_line, std::nullopt);
}

TEST(FrameCommands, TakesReprLimitsWhereValuesAreShown) {
    auto locals = parse(FrameVerb::Locals,
                        {"2", "--max-string", "9", "--max-items", "3", "--max-depth", "1", "--verbose"});
    ASSERT_TRUE(locals) << locals.error().message;
    EXPECT_EQ(locals->number, 2u);
    EXPECT_EQ(locals->limits.max_string, 9u);
    EXPECT_EQ(locals->limits.max_items, 3u);
    EXPECT_EQ(locals->limits.max_depth, 1u);
    EXPECT_TRUE(locals->limits.verbose);
    EXPECT_FALSE(parse(FrameVerb::Up, {"--verbose"}));  // nothing shown, nothing to limit
}

TEST(FrameCommands, ErrorsNameTheBadWordAndTheUsage) {
    struct Case {
        FrameVerb verb;
        std::vector<std::string> words;
        std::string named;
    };
    std::vector<Case> cases = {
        {FrameVerb::Up, {"x"}, "'x' is not a frame number"},
        {FrameVerb::Frame, {"-1"}, "unknown option '-1'"},
        {FrameVerb::Locals, {"--max-items"}, "--max-items needs a positive number"},
        {FrameVerb::Locals, {"--max-items", "0"}, "not '0'"},
        {FrameVerb::Print, {}, "which name?"},
        {FrameVerb::Print, {"a", "b"}, "unexpected argument 'b'"},
        {FrameVerb::List, {"20,10"}, "bad line range '20,10'"},
        {FrameVerb::Down, {"--bogus"}, "unknown option '--bogus'"},
    };
    for (const auto& c : cases) {
        auto parsed = parse(c.verb, c.words);
        ASSERT_FALSE(parsed) << frame_command_name(c.verb);
        EXPECT_NE(parsed.error().message.find(c.named), std::string::npos) << parsed.error().message;
        EXPECT_NE(
            parsed.error().message.find(std::string("usage: ") + std::string(frame_command_usage(c.verb))),
            std::string::npos)
            << parsed.error().message;
    }
}

TEST(SourceListing, MarksTheCurrentLineAndSaysWhenTheFileIsMissing) {
    std::string path = ::testing::TempDir() + "/listing.py";
    {
        std::ofstream out(path);
        for (int line = 1; line <= 20; ++line) out << "line_" << line << " = " << line << "\r\n";
    }
    std::string listed = list_source(path, around_line(12), 12);
    EXPECT_NE(listed.find(">   12    line_12 = 12\n"), std::string::npos) << listed;
    EXPECT_NE(listed.find("    7    line_7 = 7\n"), std::string::npos) << listed;
    EXPECT_EQ(listed.find("line_6 "), std::string::npos) << listed;
    EXPECT_EQ(listed.find("line_18 "), std::string::npos) << listed;
    EXPECT_NE(list_source(path, {30, 40}, 1).find("has no line 30"), std::string::npos);
    EXPECT_NE(list_source("/nonexistent/x.py", {1, 2}, 1)
                  .find("source not available: cannot open /nonexistent/x.py"),
              std::string::npos);
    EXPECT_NE(list_source(path, around_line(-1), -1).find("line is unknown"), std::string::npos);
    std::remove(path.c_str());
}

}  // namespace
}  // namespace pyxray

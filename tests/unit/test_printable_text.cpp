// Strings from the target shown as text (issue 17 item 5): printable_text escapes what repr()
// escapes and every byte that is not UTF-8, and every text renderer puts names, files, thread
// and type names, messages and command lines through it; JSON keeps the value (invalid UTF-8 as
// U+FFFD).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "pyxray/render.hpp"
#include "pyxray/sampling.hpp"

namespace {

using namespace pyxray;

// A code object name, a file name, a thread name and an exception type as a crafted target
// holds them: CSI and OSC sequences, a BEL, a bare 0x9b (C1 CSI, not UTF-8) and a cut sequence.
const std::string kName = "evil\x1b[31mNAME";
const std::string kFile = "\x1b]0;TITLE\x07/evil\x1b[2J.py";
const std::string kThread = "worker\x9b\xff\xe2\x82";
const std::string kType = "Evil\x1b]0;pwned\x07";

// Nothing that starts a terminal control sequence, nor a byte that is not UTF-8.
void expect_terminal_safe(const std::string& text) {
    for (unsigned char c : text)
        ASSERT_TRUE(c == '\n' || (c >= 0x20 && c != 0x7f && c < 0x80)) << "raw byte " << int(c) << " in:\n"
                                                                       << text;
}

TEST(PrintableText, EscapesLikeReprWithoutQuotes) {
    EXPECT_EQ(printable_text("plain name"), "plain name");
    EXPECT_EQ(printable_text(kName), "evil\\x1b[31mNAME");
    EXPECT_EQ(printable_text(kFile), "\\x1b]0;TITLE\\x07/evil\\x1b[2J.py");
    EXPECT_EQ(printable_text("tab\tnew\nret\r del\x7f"), "tab\\tnew\\nret\\r del\\x7f");
    // Printable non-ASCII stays; C1 controls, format characters and lone surrogates are escaped
    // as repr('\x85\u202e\udc80') escapes them.
    EXPECT_EQ(printable_text("caf\xc3\xa9 \xe4\xb8\xad"), "caf\xc3\xa9 \xe4\xb8\xad");
    EXPECT_EQ(printable_text("\xc2\x85\xe2\x80\xae\xed\xb2\x80"), "\\x85\\u202e\\udc80");
    // Bytes that are no UTF-8: a lone continuation, 0xff, an overlong '/', a cut sequence.
    EXPECT_EQ(printable_text(kThread), "worker\\x9b\\xff\\xe2\\x82");
    EXPECT_EQ(printable_text("\xc0\xaf"), "\\xc0\\xaf");
    // Backslashes are kept, so an already escaped repr passes unchanged.
    EXPECT_EQ(printable_text("'a\\x1b\\n'"), "'a\\x1b\\n'");
    EXPECT_EQ(printable_text(printable_text(kFile)), printable_text(kFile));
}

ThreadStack hostile_thread() {
    ThreadStack thread;
    thread.tid = 42;
    thread.python = true;
    thread.name = kThread;
    thread.crashed = true;
    thread.exception = ThreadException{ThreadException::State::Handling, kType, "msg\x1b[2J"};
    StackFrame py;
    py.kind = StackFrame::Kind::Python;
    py.python.qualname = kName;
    py.python.function = kName;
    py.python.file = kFile;
    py.python.line = 3;
    py.python.locals = std::vector<Variable>{{"x\x1b[8m", "'\\x1b'"}};
    StackFrame native;
    native.native.function = "crash\x1b[5m";
    native.native.module = "/lib/evil\x07.so";
    thread.frames = {native, py};
    return thread;
}

Snapshot hostile_snapshot() {
    Snapshot snapshot;
    snapshot.target.kind = TargetKind::Core;
    snapshot.target.command_line = "python3 \x1b]0;x\x07";
    snapshot.target.executable = "/usr/bin/py\x1b[1m";
    snapshot.crash = Crash{"SIGSEGV", 11, std::nullopt, "", std::nullopt, 42};
    snapshot.threads.push_back(hostile_thread());
    return snapshot;
}

TEST(PrintableText, EveryTextRendererEscapesTargetStrings) {
    Snapshot snapshot = hostile_snapshot();
    std::string xbt = render_xbt_text(snapshot);
    expect_terminal_safe(xbt);
    EXPECT_NE(xbt.find("#1   Py  evil\\x1b[31mNAME (\\x1b]0;TITLE\\x07/evil\\x1b[2J.py:3)"),
              std::string::npos)
        << xbt;
    EXPECT_NE(xbt.find("exception (handling): Evil\\x1b]0;pwned\\x07: msg\\x1b[2J"), std::string::npos)
        << xbt;
    EXPECT_NE(xbt.find("Thread 42 \"worker\\x9b\\xff\\xe2\\x82\""), std::string::npos) << xbt;
    EXPECT_NE(xbt.find("x\\x1b[8m = '\\x1b'"), std::string::npos) << xbt;
    EXPECT_NE(xbt.find("crash\\x1b[5m (evil\\x07.so)"), std::string::npos) << xbt;
    std::string report = render_crash_report_text(snapshot);
    expect_terminal_safe(report);
    EXPECT_NE(report.find("python3 \\x1b]0;x\\x07"), std::string::npos) << report;
    ThreadsRenderOptions stacks;
    stacks.stacks = true;
    expect_terminal_safe(render_threads_text(snapshot, stacks));
}

TEST(PrintableText, JsonKeepsTheValueAndReplacesInvalidUtf8) {
    auto document = nlohmann::json::parse(render_xbt_json(hostile_snapshot()));
    const auto& thread = document["threads"][0];
    EXPECT_EQ(thread["name"], "worker\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // three U+FFFD
    EXPECT_EQ(thread["exception"]["type"], kType);
    bool found = false;
    for (const auto& frame : thread["frames"])
        if (frame["kind"] == "python") {
            EXPECT_EQ(frame["qualname"], kName);
            EXPECT_EQ(frame["file"], kFile);
            found = true;
        }
    EXPECT_TRUE(found) << document.dump();
}

TEST(PrintableText, SampleOutputsEscapeTargetStrings) {
    Profile profile;
    Snapshot snapshot;
    snapshot.threads.push_back(hostile_thread());
    snapshot.threads[0].frames[1].python.locals.reset();
    profile.add(snapshot, 0);
    profile.finish(0.01);
    expect_terminal_safe(render_sample_top(profile));
    expect_terminal_safe(render_folded(profile));
    expect_terminal_safe(render_slow_requests(profile, 0));
    std::string page = render_timeline_html(profile, {});
    EXPECT_EQ(page.find("\x1b"), std::string::npos);
    EXPECT_NE(page.find("evil\\\\x1b[31mNAME"), std::string::npos);  // JSON's escape of the backslash
    // speedscope is JSON: the exact name, and invalid UTF-8 as U+FFFD instead of a throw.
    auto speedscope = nlohmann::json::parse(render_speedscope(profile));
    bool found = false;
    for (const auto& frame : speedscope["shared"]["frames"]) found = found || frame["name"] == kName;
    EXPECT_TRUE(found) << speedscope.dump();
}

}  // namespace

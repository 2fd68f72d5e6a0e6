// py-up, py-down, py-frame, py-locals, py-print and py-list: the Python-frame commands of the
// debugger front-ends. Parsing and running live here, once, so gdb and LLDB accept the same
// words and print the same text; a front-end only remembers which Python frame is selected
// and selects the native frame that runs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyxray/color.hpp"
#include "pyxray/repr.hpp"
#include "pyxray/result.hpp"
#include "pyxray/session.hpp"

namespace pyxray {

enum class FrameVerb { Up, Down, Frame, Locals, Print, List };
inline constexpr FrameVerb kFrameVerbs[] = {FrameVerb::Up,     FrameVerb::Down,  FrameVerb::Frame,
                                            FrameVerb::Locals, FrameVerb::Print, FrameVerb::List};

struct FrameCommand {
    FrameVerb verb = FrameVerb::Frame;
    std::optional<size_t> number;              // py-up/py-down COUNT, py-frame/py-locals N
    std::string name;                          // py-print NAME
    std::optional<int> first_line, last_line;  // py-list START[,END]
    ReprLimits limits;
    ColorMode color = ColorMode::Auto;  // --color=WHEN
    // Set by the front-end: whether its output colours for --color=auto (a terminal, the
    // debugger's own colour setting on).
    bool output_is_terminal = false;
};

// The command names, for registration and help: "py-up", "py-down", ...
std::string_view frame_command_name(FrameVerb verb);
std::string_view frame_command_usage(FrameVerb verb);
std::string_view frame_command_help(FrameVerb verb);

// `words` are the arguments after the command name. Errors name the bad word and the usage.
Result<FrameCommand> parse_frame_command(FrameVerb verb, const std::vector<std::string>& words);

struct FrameCommandOutput {
    std::string text;
    size_t selected = 0;  // the Python frame selected afterwards, 0 the newest
    // When the selection moved: the native frame running the new one (an index into the
    // thread's native stack as the front-end reports it), if the stacks merged.
    std::optional<size_t> native_index;
};

// Runs `command` on thread `tid` whose selected Python frame is `selected` (0 when none was).
Result<FrameCommandOutput> run_frame_command(const Session& session, int64_t tid, size_t selected,
                                             const FrameCommand& command);

// The object `py:NAME` names (py-refcnt, py-refwatch): NAME as the `selected`-th Python frame
// of thread `tid` sees it (locals, globals, builtins).
Result<uint64_t> python_name_address(const Session& session, int64_t tid, size_t selected,
                                     const std::string& name);
// The innermost Python frame of thread `tid` as a site, or nothing when it runs none.
std::optional<SourceSite> innermost_python_site(const Session& session, int64_t tid);

}  // namespace pyxray

// py-xbt and py-threads (`pyxray xbt`, `pyxray threads`): their words are parsed here, once,
// with the defaults the core's types carry (ReprLimits, ColorMode), and their snapshot is
// rendered here; a front-end collects the threads the command asks for and prints the text.
#pragma once

#include <string>
#include <vector>

#include "pyxray/color.hpp"
#include "pyxray/model.hpp"
#include "pyxray/repr.hpp"
#include "pyxray/result.hpp"
#include "pyxray/session.hpp"

namespace pyxray {

struct XbtCommand {
    bool all_threads = false;  // -a: every thread, not only the selected one
    bool python_only = false;
    bool native_all = false;
    bool locals = false;
    ReprLimits limits;  // the caps of --locals' reprs
    bool json = false;
    ColorMode color = ColorMode::Auto;
    // Set by the front-end: whether its output colours for --color=auto.
    bool output_is_terminal = false;
};

struct ThreadsCommand {
    bool stacks = false;
    bool json = false;
    ColorMode color = ColorMode::Auto;
    bool output_is_terminal = false;  // as XbtCommand's
};

// `words` are the arguments after the command name; errors name the bad word.
Result<XbtCommand> parse_xbt_command(const std::vector<std::string>& words);
Result<ThreadsCommand> parse_threads_command(const std::vector<std::string>& words);

// What the session decodes for the command; the front-end sets only_tid when !all_threads.
XbtOptions xbt_options(const XbtCommand& command);

// The command's whole output: text (coloured as the command says) or the JSON document.
std::string render_xbt_command(const Snapshot& snapshot, const XbtCommand& command);
std::string render_threads_command(const Snapshot& snapshot, const ThreadsCommand& command);

}  // namespace pyxray

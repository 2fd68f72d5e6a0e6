#include "pyxray/frame_commands.hpp"

#include <fmt/format.h>

#include "commands/source_listing.hpp"
#include "pyxray/command_help.hpp"
#include "pyxray/render.hpp"

namespace pyxray {
namespace {

// Their usage and help live in the debugger commands' table (command_help.cpp).
struct VerbInfo {
    FrameVerb verb;
    std::string_view name;
};

constexpr VerbInfo kVerbs[] = {
    {FrameVerb::Up, "py-up"},         {FrameVerb::Down, "py-down"},   {FrameVerb::Frame, "py-frame"},
    {FrameVerb::Locals, "py-locals"}, {FrameVerb::Print, "py-print"}, {FrameVerb::List, "py-list"},
};

const VerbInfo& info(FrameVerb verb) {
    for (const auto& entry : kVerbs)
        if (entry.verb == verb) return entry;
    return kVerbs[0];
}

// Every verb has an entry in the table; the test CommandHelp.EveryFrameVerbIsDescribed says so.
const CommandHelp& help_of(FrameVerb verb) { return *find_command_help(info(verb).name); }

Error usage_error(FrameVerb verb, std::string message) {
    return Error{ErrorCode::InvalidArgument, fmt::format("{}; usage: {}", message, help_of(verb).usage), 0};
}

}  // namespace

namespace {

Result<void> parse_list_range(const std::string& word, FrameCommand& command) {
    auto comma = word.find(',');
    auto first = parse_count(std::string_view(word).substr(0, comma));
    std::optional<size_t> last;
    if (comma != std::string::npos) last = parse_count(std::string_view(word).substr(comma + 1));
    if (!first || *first == 0 || (comma != std::string::npos && (!last || *last < *first)))
        return pyxray::unexpected(usage_error(FrameVerb::List, fmt::format("bad line range '{}'", word)));
    command.first_line = static_cast<int>(*first);
    if (last) command.last_line = static_cast<int>(*last);
    return {};
}

}  // namespace

std::string_view frame_command_name(FrameVerb verb) { return info(verb).name; }
std::string_view frame_command_usage(FrameVerb verb) { return help_of(verb).usage; }
std::string_view frame_command_help(FrameVerb verb) { return help_of(verb).summary; }

Result<FrameCommand> parse_frame_command(FrameVerb verb, const std::vector<std::string>& words) {
    FrameCommand command;
    command.verb = verb;
    bool takes_limits = verb == FrameVerb::Locals || verb == FrameVerb::Print;
    std::vector<std::string> positional;
    for (size_t index = 0; index < words.size(); ++index) {
        auto color = take_color_option(words, index, command.color);
        if (!color) return pyxray::unexpected(usage_error(verb, color.error().message));
        if (*color) continue;
        if (takes_limits) {
            auto taken = take_repr_limit_option(words, index, command.limits);
            if (!taken) return pyxray::unexpected(usage_error(verb, taken.error().message));
            if (*taken) continue;
        }
        if (words[index].starts_with("-") && words[index].size() > 1)
            return pyxray::unexpected(usage_error(verb, unknown_option_message(help_of(verb), words[index])));
        positional.push_back(words[index]);
    }
    if (positional.size() > 1)
        return pyxray::unexpected(usage_error(verb, fmt::format("unexpected argument '{}'", positional[1])));
    if (positional.empty()) {
        if (verb == FrameVerb::Print) return pyxray::unexpected(usage_error(verb, "which name?"));
        return command;
    }
    const std::string& word = positional[0];
    switch (verb) {
        case FrameVerb::Print:
            command.name = word;
            break;
        case FrameVerb::List:
            PYXRAY_TRY_VOID(parse_list_range(word, command));
            break;
        default: {
            auto number = parse_count(word);
            if (!number)
                return pyxray::unexpected(usage_error(verb, fmt::format("'{}' is not a frame number", word)));
            command.number = number;
        }
    }
    return command;
}

namespace {

struct SelectedStack {
    std::vector<const StackFrame*> python;  // the thread's Python frames, newest first
    Snapshot snapshot;
};

Result<SelectedStack> python_frames_of(const Session& session, int64_t tid) {
    XbtOptions options;
    options.only_tid = tid;
    PYXRAY_TRY(snapshot, session.xbt(options));
    SelectedStack stack{{}, std::move(snapshot)};
    for (const auto& frame : stack.snapshot.threads.front().frames)
        if (frame.kind == StackFrame::Kind::Python) stack.python.push_back(&frame);
    if (stack.python.empty())
        return fail(ErrorCode::InvalidArgument, fmt::format("thread {} runs no Python code", tid));
    return stack;
}

std::string frame_line(size_t index, const PyFrame& frame, bool color) {
    std::string location =
        fmt::format("{}:{}", printable_text(frame.file), frame.line < 0 ? "?" : std::to_string(frame.line));
    return fmt::format("#{:<3} Py  {} ({})\n", index,
                       styled(printable_text(frame.qualname), Style::PythonFrame, color),
                       styled(location, Style::Location, color));
}

Result<size_t> target_index(const FrameCommand& command, size_t selected, size_t count) {
    size_t step = command.number.value_or(1);
    switch (command.verb) {
        case FrameVerb::Up:
            if (selected + 1 >= count)
                return fail(ErrorCode::InvalidArgument,
                            fmt::format("already at the oldest Python frame (#{})", count - 1));
            return std::min(selected + step, count - 1);
        case FrameVerb::Down:
            if (selected == 0)
                return fail(ErrorCode::InvalidArgument, "already at the newest Python frame (#0)");
            return selected - std::min(step, selected);
        default: {
            size_t index = command.number.value_or(std::min(selected, count - 1));
            if (index >= count)
                return fail(ErrorCode::InvalidArgument,
                            fmt::format("no Python frame #{}; this thread has #0 to #{}", index, count - 1));
            return index;
        }
    }
}

std::string_view scope_word(NameLookup::Scope scope) {
    switch (scope) {
        case NameLookup::Scope::Local:
            return "local";
        case NameLookup::Scope::Global:
            return "global";
        case NameLookup::Scope::Builtin:
            return "builtin";
    }
    return "";
}

Result<std::string> frame_text(const Session& session, const FrameCommand& command, size_t index,
                               const PyFrame& frame) {
    bool color = use_color(command.color, command.output_is_terminal, false);
    switch (command.verb) {
        case FrameVerb::Locals: {
            PYXRAY_TRY(locals, session.frame_locals(frame, command.limits));
            PyFrame shown = frame;
            shown.locals = std::move(locals);
            std::string out = frame_line(index, shown, color);
            render_locals(out, shown, "    ");
            return out;
        }
        case FrameVerb::Print: {
            PYXRAY_TRY(found, session.lookup_name(frame, command.name, command.limits));
            return fmt::format("{} '{}' = {}\n", scope_word(found.scope), printable_text(command.name),
                               printable_text(found.repr));
        }
        case FrameVerb::List: {
            SourceRange range = command.first_line ? SourceRange{*command.first_line, command.last_line}
                                                   : around_line(frame.line);
            return frame_line(index, frame, color) + list_source(frame.file, range, frame.line, color);
        }
        default:
            return frame_line(index, frame, color) +
                   list_source(frame.file, {frame.line, frame.line}, frame.line, color);
    }
}

}  // namespace

Result<FrameCommandOutput> run_frame_command(const Session& session, int64_t tid, size_t selected,
                                             const FrameCommand& command) {
    PYXRAY_TRY(stack, python_frames_of(session, tid));
    PYXRAY_TRY(index, target_index(command, selected, stack.python.size()));
    const StackFrame& chosen = *stack.python[index];
    PYXRAY_TRY(text, frame_text(session, command, index, chosen.python));
    bool moves = command.verb == FrameVerb::Up || command.verb == FrameVerb::Down ||
                 (command.verb == FrameVerb::Frame && command.number);
    if (!moves)
        return FrameCommandOutput{std::move(text), std::min(selected, stack.python.size() - 1), std::nullopt};
    return FrameCommandOutput{std::move(text), index, chosen.native_index};
}

Result<uint64_t> python_name_address(const Session& session, int64_t tid, size_t selected,
                                     const std::string& name) {
    PYXRAY_TRY(stack, python_frames_of(session, tid));
    const PyFrame& frame = stack.python[std::min(selected, stack.python.size() - 1)]->python;
    PYXRAY_TRY(found, session.lookup_name(frame, name, ReprLimits{}));
    return found.object;
}

std::optional<SourceSite> innermost_python_site(const Session& session, int64_t tid) {
    XbtOptions options;
    options.only_tid = tid;
    options.python_only = true;
    auto snapshot = session.xbt(options);
    if (!snapshot) return std::nullopt;
    for (const auto& thread : snapshot->threads)
        for (const auto& frame : thread.frames)
            if (thread.tid == tid && frame.kind == StackFrame::Kind::Python)
                return SourceSite{frame.python.file, frame.python.line, frame.python.qualname};
    return std::nullopt;
}

}  // namespace pyxray

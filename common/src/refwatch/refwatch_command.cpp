// py-refcnt's and py-refwatch's command lines, the same words in gdb and LLDB.
#include <fmt/format.h>

#include "pyxray/command_help.hpp"
#include "pyxray/refwatch.hpp"

namespace pyxray {

namespace {

Error usage_error(std::string_view usage, const std::string& message) {
    return Error{ErrorCode::InvalidArgument, fmt::format("{}; usage: {}", message, usage), 0};
}

// The words before the first option, joined: "(PyObject *) 0x7f..." is one expression.
std::string take_object(const std::vector<std::string>& words, size_t& index) {
    std::string object;
    for (; index < words.size() && !words[index].starts_with("--"); ++index)
        object += (object.empty() ? "" : " ") + words[index];
    return object;
}

Result<std::string> option_value(const std::vector<std::string>& words, size_t& index,
                                 std::string_view usage) {
    if (index + 1 >= words.size())
        return pyxray::unexpected(usage_error(usage, fmt::format("{} needs a value", words[index])));
    return words[++index];
}

}  // namespace

std::optional<std::string> python_variable_name(std::string_view object) {
    if (!object.starts_with("py:") || object.size() == 3) return std::nullopt;
    return std::string(object.substr(3));
}

Result<RefcntCommand> parse_refcnt_command(const std::vector<std::string>& words) {
    RefcntCommand command;
    size_t index = 0;
    command.object = take_object(words, index);
    for (; index < words.size(); ++index) {
        if (words[index] != "--json")
            return fail(ErrorCode::InvalidArgument,
                        unknown_option_message(*find_command_help("py-refcnt"), words[index]));
        command.json = true;
    }
    if (command.object.empty()) return pyxray::unexpected(usage_error(kRefcntUsage, "no object given"));
    return command;
}

Result<RefwatchCommand> parse_refwatch_command(const std::vector<std::string>& words) {
    RefwatchCommand command;
    size_t index = 0;
    command.object = take_object(words, index);
    for (; index < words.size(); ++index) {
        const std::string& word = words[index];
        if (word == "--json") {
            command.json = true;
        } else if (word == "--watch") {
            command.watch = true;
        } else if (word == "--each-line") {
            PYXRAY_TRY(function, option_value(words, index, kRefwatchUsage));
            command.each_line = function;
        } else if (word == "--break") {
            PYXRAY_TRY(location, option_value(words, index, kRefwatchUsage));
            command.breaks.push_back(location);
        } else if (word == "--count") {
            PYXRAY_TRY(value, option_value(words, index, kRefwatchUsage));
            auto count = parse_count(value);
            if (!count || *count == 0)
                return pyxray::unexpected(usage_error(
                    kRefwatchUsage, fmt::format("--count needs a positive number, not '{}'", value)));
            command.count = count;
        } else {
            return fail(ErrorCode::InvalidArgument,
                        unknown_option_message(*find_command_help("py-refwatch"), word));
        }
    }
    if (command.object.empty()) return pyxray::unexpected(usage_error(kRefwatchUsage, "no object given"));
    if (!command.each_line && command.breaks.empty()) command.watch = true;
    return command;
}

}  // namespace pyxray

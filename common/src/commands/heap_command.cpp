// py-heap / `pyxray heap`: parsed and run here, once, for every front-end.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pyxray/command_help.hpp"
#include "pyxray/heap.hpp"
#include "pyxray/session.hpp"

namespace pyxray {
namespace {

Result<HeapOrder> parse_order(const std::vector<std::string>& words, size_t& index) {
    std::string_view value = index + 1 < words.size() ? std::string_view(words[index + 1]) : "";
    if (value != "bytes" && value != "count")
        return fail(ErrorCode::InvalidArgument,
                    fmt::format("--by needs one of {}, not '{}'", fmt::join(kHeapOrderChoices, ", "), value));
    ++index;
    return value == "count" ? HeapOrder::Count : HeapOrder::Bytes;
}

}  // namespace

Result<HeapCommand> parse_heap_command(const std::vector<std::string>& words) {
    HeapCommand command;
    for (size_t index = 0; index < words.size(); ++index) {
        const std::string& word = words[index];
        PYXRAY_TRY(took_color, take_color_option(words, index, command.color));
        if (took_color) continue;
        if (word == "--top") {
            PYXRAY_TRY(count, take_count_value(words, index));
            command.top = count;
        } else if (word == "--containers") {
            PYXRAY_TRY(count, take_count_value(words, index));
            command.census.containers = count;
        } else if (word == "--deep-cap") {
            PYXRAY_TRY(count, take_count_value(words, index));
            command.census.deep_cap = count;
        } else if (word == "--by") {
            PYXRAY_TRY(order, parse_order(words, index));
            command.census.order = order;
        } else if (word == "--deep") {
            command.census.deep = true;
        } else if (word == "--json") {
            command.json = true;
        } else {
            return fail(ErrorCode::InvalidArgument,
                        unknown_option_message(*find_command_help("py-heap"), word));
        }
    }
    return command;
}

Result<std::string> run_heap_command(const Session& session, const HeapCommand& command) {
    PYXRAY_TRY(report, session.heap(command.census));
    if (command.json) return render_heap_json(report);
    return render_heap_text(report, command.top, use_color(command.color, command.output_is_terminal, false));
}

}  // namespace pyxray

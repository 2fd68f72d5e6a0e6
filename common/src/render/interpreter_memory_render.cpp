#include "render/interpreter_memory_render.hpp"

#include <fmt/format.h>

#include "pyxray/render.hpp"

namespace pyxray {
namespace {

using Json = nlohmann::ordered_json;

template <typename T>
Json or_null(const std::optional<T>& value) {
    return value ? Json(*value) : Json(nullptr);
}

// "1.8 MiB", "256 KiB": arenas are whole KiB.
std::string bytes_text(uint64_t bytes) {
    if (bytes >= (uint64_t{1} << 30))
        return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1 << 30));
    if (bytes >= (uint64_t{1} << 20))
        return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
    return fmt::format("{} KiB", bytes >> 10);
}

bool is_tuple_size(const FreeListCount& list) { return list.name.starts_with("tuple["); }

std::string free_lists_line(const std::vector<FreeListCount>& lists) {
    std::string others, tuples;
    for (const FreeListCount& list : lists) {
        if (is_tuple_size(list)) {
            std::string size = list.name.substr(6, list.name.size() - 7);  // tuple[N]
            tuples += fmt::format("{}{}:{}", tuples.empty() ? "" : " ", size, list.count);
        } else {
            others += fmt::format("{}{} {}", others.empty() ? "" : ", ", list.name, list.count);
        }
    }
    std::string out;
    if (!others.empty()) out += fmt::format("  free lists: {}\n", others);
    if (!tuples.empty()) out += fmt::format("  free tuples by size: {}\n", tuples);
    return out;
}

}  // namespace

Json interpreter_memory_json(const InterpreterMemory& memory) {
    Json lists = Json::array();
    for (const FreeListCount& list : memory.free_lists)
        lists.push_back({{"name", list.name}, {"count", list.count}});
    return Json{{"arenas_in_use", or_null(memory.arenas_in_use)},
                {"arena_bytes", or_null(memory.arena_size)},
                {"free_lists", std::move(lists)},
                {"interned_strings", or_null(memory.interned_strings)},
                {"notes", memory.notes}};
}

std::string render_interpreter_memory_text(const InterpreterMemory& memory) {
    std::string out = "interpreter memory:\n";
    if (memory.arenas_in_use && memory.arena_size)
        out += fmt::format("  obmalloc arenas in use: {} of {} ({})\n", *memory.arenas_in_use,
                           bytes_text(*memory.arena_size),
                           bytes_text(*memory.arenas_in_use * *memory.arena_size));
    out += free_lists_line(memory.free_lists);
    if (memory.interned_strings) out += fmt::format("  interned strings: {}\n", *memory.interned_strings);
    for (const std::string& note : memory.notes) out += fmt::format("  note: {}\n", printable_text(note));
    return out;
}

}  // namespace pyxray

// py-heap's text: the summary line, the top types, the longest containers and who refers to
// them, each interpreter's lists, the allocator's numbers and the notes.
#include <fmt/format.h>

#include <algorithm>

#include "pyxray/heap.hpp"
#include "pyxray/render.hpp"

namespace pyxray {
namespace {

std::string grouped(uint64_t value) {
    std::string digits = std::to_string(value);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string type_label(const HeapType& type) {
    return printable_text(type.module == "builtins" ? type.qualname : type.module + "." + type.qualname);
}

std::string summary_line(const HeapReport& report) {
    std::string subject = report.target.kind == TargetKind::Core ? "core of process" : "process";
    return fmt::format("{} {}, CPython {}: {} objects tracked by the GC, {} (as sys.getsizeof counts them)\n",
                       subject, report.target.pid, report.runtime.version, grouped(report.total_count),
                       human_bytes(report.total_bytes));
}

void append_types(std::string& out, const HeapReport& report, size_t top, bool color) {
    size_t shown = std::min(top, report.types.size());
    size_t width = 4;
    for (size_t i = 0; i < shown; ++i) width = std::max(width, type_label(report.types[i]).size());
    width = std::min<size_t>(width, 60);
    std::string heading = fmt::format("{:<{}}  {:>12}  {:>11}", "TYPE", width, "COUNT", "BYTES");
    if (report.deep) heading += fmt::format("  {:>12}  {:>11}", "UNTRACKED", "BYTES");
    out += styled(heading, Style::Heading, color) + "\n";
    for (size_t i = 0; i < shown; ++i) {
        const HeapType& type = report.types[i];
        out += fmt::format("{:<{}}  {:>12}  {:>11}", type_label(type), width, grouped(type.count),
                           human_bytes(type.bytes));
        if (report.deep)
            out += fmt::format("  {:>12}  {:>11}", grouped(type.untracked_count),
                               human_bytes(type.untracked_bytes));
        out += "\n";
    }
    out += fmt::format("{:<{}}  {:>12}  {:>11}", "total", width, grouped(report.total_count),
                       human_bytes(report.total_bytes));
    if (report.deep) {
        uint64_t count = 0, bytes = 0;
        for (const HeapType& type : report.types) {
            count += type.untracked_count;
            bytes += type.untracked_bytes;
        }
        out += fmt::format("  {:>12}  {:>11}", grouped(count), human_bytes(bytes));
    }
    out += "\n";
    if (shown < report.types.size())
        out += fmt::format("({} of {} types; --top N for more, --json for every one)\n", shown,
                           report.types.size());
    if (report.deep)
        out +=
            "UNTRACKED: objects the collector does not track (str, int, a dict of atoms), reached from "
            "the tracked ones by --deep\n";
}

void append_containers(std::string& out, const HeapReport& report, bool color) {
    if (report.containers.empty()) return;
    out += "\n" + styled("longest containers:", Style::Heading, color) + "\n";
    for (const HeapContainer& container : report.containers) {
        std::string who = container.referrers.empty()
                              ? "no module global, class attribute or local refers to it"
                              : "referred to by " + printable_text(container.referrers[0]);
        for (size_t i = 1; i < container.referrers.size(); ++i)
            who += ", " + printable_text(container.referrers[i]);
        out += fmt::format("  {} at {:#x}: {} items, {}; {}\n", printable_text(container.type),
                           container.address, grouped(container.length), human_bytes(container.bytes), who);
    }
}

void append_lists(std::string& out, const HeapReport& report) {
    out += "\n";
    for (const HeapInterpreter& interpreter : report.interpreters) {
        out += fmt::format("interpreter {}: {} objects, {}", interpreter.id, grouped(interpreter.count),
                           human_bytes(interpreter.bytes));
        if (!interpreter.lists.empty()) {
            out += "; generations";
            for (const HeapListCount& list : interpreter.lists)
                out += fmt::format(" {}: {}", list.name, grouped(list.count));
        } else {
            out += fmt::format(" (from {})", interpreter.source);
        }
        out += "\n";
    }
}

// "free lists: float 3, list 6, ..." and the twenty tuple sizes on one line of their own:
// "free tuples by size: 1:9 2:5 ...".
void append_free_lists(std::string& out, const std::vector<FreeListCount>& lists) {
    std::string others, tuples;
    constexpr std::string_view kTuple = "tuple[";
    for (const FreeListCount& list : lists) {
        std::string_view name = list.name;
        if (name.starts_with(kTuple) && name.ends_with("]")) {
            std::string_view size = name.substr(kTuple.size(), name.size() - kTuple.size() - 1);
            tuples +=
                fmt::format("{}{}:{}", tuples.empty() ? "" : " ", printable_text(size), grouped(list.count));
        } else {
            others +=
                fmt::format("{}{} {}", others.empty() ? "" : ", ", printable_text(name), grouped(list.count));
        }
    }
    if (!others.empty()) out += "free lists: " + others + "\n";
    if (!tuples.empty()) out += "free tuples by size: " + tuples + "\n";
}

void append_memory(std::string& out, const HeapReport& report) {
    if (!report.memory) return;
    const InterpreterMemory& memory = *report.memory;
    std::vector<std::string> parts;
    if (memory.arenas_in_use)
        parts.push_back(memory.arena_size
                            ? fmt::format("{} obmalloc arenas in use ({})", grouped(*memory.arenas_in_use),
                                          human_bytes(*memory.arenas_in_use * *memory.arena_size))
                            : fmt::format("{} obmalloc arenas in use", grouped(*memory.arenas_in_use)));
    if (memory.interned_strings)
        parts.push_back(fmt::format("{} interned strings", grouped(*memory.interned_strings)));
    if (!parts.empty()) {
        out += "memory:";
        for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : " ") + parts[i];
        out += "\n";
    }
    append_free_lists(out, memory.free_lists);
    for (const auto& note : memory.notes) out += "note: " + printable_text(note) + "\n";
}

}  // namespace

std::string render_heap_text(const HeapReport& report, size_t top, bool color) {
    std::string out = render_target_warnings(report.target) + summary_line(report) + "\n";
    append_types(out, report, top, color);
    append_containers(out, report, color);
    append_lists(out, report);
    append_memory(out, report);
    for (const auto& note : report.notes) out += "note: " + printable_text(note) + "\n";
    return out;
}

}  // namespace pyxray

// py-tasks' text: a table, one line per task, and the await tree (--tree).
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "pyxray/path_names.hpp"
#include "pyxray/render.hpp"
#include "pyxray/tasks.hpp"

namespace pyxray {
namespace {

std::string frame_text(const PyFrame& frame) {
    return fmt::format("{} ({}:{})", printable_text(frame.qualname),
                       printable_text(path_basename(frame.file)), frame.line);
}

// `307 "loop-a"`: the tid, and the thread's name when it has one.
std::string thread_text(const AsyncTask& task) {
    if (!task.thread) return "-";
    if (!task.thread_name) return std::to_string(*task.thread);
    return fmt::format("{} \"{}\"", *task.thread, printable_text(*task.thread_name));
}

std::string quoted_name(const AsyncTask& task) { return "\"" + printable_text(task.name) + "\""; }

using ByAddress = std::unordered_map<uint64_t, const AsyncTask*>;

ByAddress index_tasks(const TasksReport& report) {
    ByAddress by_address;
    for (const auto& task : report.tasks) by_address[task.address] = &task;
    return by_address;
}

std::string cycle_line(const std::vector<uint64_t>& cycle, const ByAddress& tasks) {
    std::string line = "cycle: ";
    for (uint64_t address : cycle) line += quoted_name(*tasks.at(address)) + " -> ";
    return line + quoted_name(*tasks.at(cycle.front())) + "\n";
}

void append_notes(std::string& out, const TasksReport& report) {
    for (const auto& note : report.notes) out += "note: " + printable_text(note) + "\n";
}

std::string summary_line(const TasksReport& report) {
    std::unordered_set<int64_t> threads;
    for (const auto& task : report.tasks)
        if (task.thread) threads.insert(*task.thread);
    return fmt::format("{} task{} on {} event-loop thread{}\n", report.tasks.size(),
                       report.tasks.size() == 1 ? "" : "s", threads.size(), threads.size() == 1 ? "" : "s");
}

}  // namespace

std::string render_tasks_text(const TasksReport& report, bool color) {
    std::string out = render_target_warnings(report.target) + summary_line(report);
    if (!report.tasks.empty()) {
        // Subinterpreters' tasks: an INTERP column, as py-xbt labels their frames.
        bool interpreters = std::any_of(report.tasks.begin(), report.tasks.end(),
                                        [](const AsyncTask& task) { return task.interpreter_id != 0; });
        size_t coroutine_column = interpreters ? 5 : 4;
        std::vector<std::vector<std::string>> rows{{"ADDRESS", "NAME", "STATE", "THREAD"}};
        if (interpreters) rows[0].push_back("INTERP");
        rows[0].insert(rows[0].end(), {"COROUTINE", "AWAITS"});
        for (const auto& task : report.tasks) {
            std::vector<std::string> row{fmt::format("{:#x}", task.address), printable_text(task.name),
                                         task.state, thread_text(task)};
            if (interpreters) row.push_back(std::to_string(task.interpreter_id));
            row.push_back(task.coroutine.empty() ? "-" : frame_text(task.coroutine.front()));
            row.push_back(task.awaits.empty() ? "-" : printable_text(task.awaits));
            rows.push_back(std::move(row));
        }
        std::vector<size_t> widths(rows[0].size());
        for (const auto& row : rows)
            for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
        for (size_t r = 0; r < rows.size(); ++r) {
            std::string line;
            for (size_t i = 0; i < rows[r].size(); ++i) {
                std::string cell =
                    i + 1 < rows[r].size() ? fmt::format("{:<{}}  ", rows[r][i], widths[i]) : rows[r][i];
                bool frame = r > 0 && i == coroutine_column && rows[r][i] != "-";
                line += r == 0  ? styled(cell, Style::Heading, color)
                        : frame ? styled(cell, Style::PythonFrame, color)
                                : cell;
            }
            while (!line.empty() && line.back() == ' ') line.pop_back();
            out += line + "\n";
        }
    }
    ByAddress tasks = index_tasks(report);
    for (const auto& cycle : report.cycles) out += cycle_line(cycle, tasks);
    for (const auto& task : report.tasks)
        for (const auto& note : task.notes)
            out += fmt::format("note: task {}: {}\n", quoted_name(task), printable_text(note));
    append_notes(out, report);
    return out;
}

namespace {

// Deeper await chains are cut: the printer recurses once per level.
constexpr size_t kMaxTreeDepth = 256;

class TreePrinter {
public:
    TreePrinter(const TasksReport& report, bool color)
        : report_(report), tasks_(index_tasks(report)), color_(color) {}

    std::string print() {
        out_ = render_target_warnings(report_.target) + summary_line(report_);
        if (!report_.tasks.empty()) out_ += "(each task's coroutines innermost last, as in a traceback)\n";
        for (const auto& task : report_.tasks)
            if (task.awaited_by.empty()) print_task(task, "", "");
        // What awaits only itself round a cycle has no root: start at its first task.
        for (const auto& task : report_.tasks)
            if (!shown_.contains(task.address)) print_task(task, "", "");
        for (const auto& cycle : report_.cycles) out_ += cycle_line(cycle, tasks_);
        append_notes(out_, report_);
        return out_;
    }

private:
    void print_task(const AsyncTask& task, const std::string& lead, const std::string& indent) {
        std::string heading = fmt::format("Task {} {:#x} {}", quoted_name(task), task.address, task.state);
        if (task.thread) heading += ", thread " + thread_text(task);
        if (task.interpreter_id != 0) heading += fmt::format(", interpreter {}", task.interpreter_id);
        if (!task.awaits.empty() && task.state != "running") heading += ": " + printable_text(task.awaits);
        if (shown_.contains(task.address)) {
            out_ += lead + styled(heading, Style::Heading, color_) + " (shown above)\n";
            return;
        }
        shown_.insert(task.address);
        out_ += lead + styled(heading, Style::Heading, color_) + "\n";
        if (path_.size() >= kMaxTreeDepth) {
            if (!task.awaiting.empty())
                out_ += indent + fmt::format("└── ... (the tree is cut at {} levels)\n", kMaxTreeDepth);
            return;
        }
        path_.push_back(task.address);
        std::string child_indent = indent + (task.awaiting.empty() ? "    " : "│   ");
        for (auto frame = task.coroutine.rbegin(); frame != task.coroutine.rend(); ++frame)
            out_ += child_indent + styled(frame_text(*frame), Style::PythonFrame, color_) + "\n";
        for (size_t i = 0; i < task.awaiting.size(); ++i) {
            bool last = i + 1 == task.awaiting.size();
            std::string branch = indent + (last ? "└── " : "├── ");
            std::string next_indent = indent + (last ? "    " : "│   ");
            uint64_t child = task.awaiting[i];
            auto on_path = std::find(path_.begin(), path_.end(), child);
            if (on_path != path_.end()) {
                out_ += branch + fmt::format("back to Task {} (a cycle)\n", quoted_name(*tasks_.at(child)));
                continue;
            }
            print_task(*tasks_.at(child), branch, next_indent);
        }
        path_.pop_back();
    }

    const TasksReport& report_;
    ByAddress tasks_;
    bool color_;
    std::string out_;
    std::unordered_set<uint64_t> shown_;
    std::vector<uint64_t> path_;
};

}  // namespace

std::string render_tasks_tree(const TasksReport& report, bool color) {
    return TreePrinter(report, color).print();
}

}  // namespace pyxray

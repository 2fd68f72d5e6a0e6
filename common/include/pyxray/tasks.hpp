// py-tasks and `pyxray tasks` (issue 19): every asyncio task of the target, what it awaits and
// who awaits it, read from memory. Parsing, running and rendering live here, once; a front-end
// only hands over its target and prints the text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pyxray/color.hpp"
#include "pyxray/model.hpp"
#include "pyxray/result.hpp"

namespace pyxray {

class Session;

// One task. `state` spellings are JSON's and never renamed: pending, running, done, cancelled.
struct AsyncTask {
    uint64_t address = 0;
    std::string name;
    std::string type;  // the task's type name ("_asyncio.Task", a subclass's)
    std::string state;
    std::optional<int64_t> thread;  // OS tid of the thread whose event loop owns it
    std::optional<std::string> thread_name;
    bool current = false;  // its loop's current task (running, or stopped inside a step)
    int64_t interpreter_id = 0;
    // Innermost first, as py-xbt's frames: a suspended task's coroutine chain (what each
    // coroutine's `await` is on, while that is a coroutine), a running task's live frames.
    std::vector<PyFrame> coroutine;
    uint64_t waiter = 0;             // the future it is suspended on (task_fut_waiter), 0 when none
    std::string awaits;              // what it waits for, in words ("task \"child\"", "gather of 3 tasks")
    std::vector<uint64_t> awaiting;  // tasks it waits on (the waiter, a gather's or TaskGroup's children)
    std::vector<uint64_t> awaited_by;
    std::vector<std::string> notes;  // what of it could not be read, and why
};

struct TasksReport {
    TargetInfo target;
    RuntimeInfo runtime;
    std::vector<AsyncTask> tasks;               // by loop thread, then by name
    std::vector<std::vector<uint64_t>> cycles;  // tasks awaiting each other, each cycle once
    std::vector<std::string> notes;             // the registry cut short, asyncio not imported
};

struct TasksCommand {
    bool tree = false;
    bool json = false;
    ColorMode color = ColorMode::Auto;
    // Set by the front-end: whether its output colours for --color=auto.
    bool output_is_terminal = false;
};

// `words` are the arguments after the command name; errors name the bad word.
Result<TasksCommand> parse_tasks_command(const std::vector<std::string>& words);
// The command's whole output: the table, the tree, or the JSON document.
Result<std::string> run_tasks_command(const Session& session, const TasksCommand& command);

std::string render_tasks_text(const TasksReport& report, bool color = false);
std::string render_tasks_tree(const TasksReport& report, bool color = false);
std::string render_tasks_json(const TasksReport& report);

}  // namespace pyxray

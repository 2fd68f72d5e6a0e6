"""Asyncio tasks (issue 19): every task of fixtures/asyncio_tasks.py, its state, loop thread,
coroutine chain and await edges, and its task cycle named once, through `py-tasks --json` (gdb,
LLDB) and `pyxray tasks --json`, live and on a gcore core, against the program's own record.

Every interpreter of the matrix: each front-end live and on the core. The text outputs
(`py-tasks`' table, `py-tasks --tree`) on one interpreter per front-end, in the same debugger
session as the JSON. py-xbt's task marks (`py-xbt -a --json`, `pyxray xbt --json`) in that
session too: the CLI live and on the core on three interpreters, gdb and LLDB on one core each.
One process and one core per interpreter, made once for the cells the run selected, then
stopped and deleted; interpreters as installed only (the stripped
copies change no task decoding: the coroutines and frames are read as py-xbt reads them).
"""

import json
import re
import shutil
from collections import Counter

import pytest

from support import interpreters
from support.cell_runs import CellRuns, selected_cells
from support.core_layout import CoreLayout
from support.drivers import (
    FRONTENDS, REPO, ToolFailure, around_json, extract_json, json_spans, run_cli, run_debugger, run_tasks)
from support.targets import (
    EPOLL_SYSCALLS, FUTEX_SYSCALL, READY_TIMEOUT, SLEEP_SYSCALLS, FixtureProcess, Target, make_core)

TASKS_PY = REPO / "fixtures" / "asyncio_tasks.py"
XBT_INTERPRETERS = ("pyenv-3.8", "pyenv-3.12", "debian-3.13t")
TEXT_CELLS = [("pyenv-3.12", "gdb", "live"), ("debian-3.13t", "lldb", "core"), ("pyenv-3.8", "cli", "core")]
XBT_CELLS = [(interpreter_id, "cli", mode) for interpreter_id in XBT_INTERPRETERS
             for mode in ("live", "core")] + [("pyenv-3.12", "gdb", "core"), ("debian-3.13t", "lldb", "core")]
COROUTINE_KEYS = ("function", "qualname", "file", "line")
TASK_FIELDS = ("address", "state", "thread", "current")


def cells_of(interpreter_id):
    return [(interpreter_id, frontend, mode) for mode in ("live", "core") for frontend in FRONTENDS]


CELLS = [cell for interpreter_id in interpreters.INTERPRETER_IDS for cell in cells_of(interpreter_id)]


def cell_id(cell):
    return "-".join(cell)


class TasksProcess(FixtureProcess):
    """asyncio_tasks.py, ready once its record is written and loop-a sits in epoll_wait,
    loop-b (its running task) in time.sleep and the main thread in a futex wait."""

    def __init__(self, interpreter, workdir):
        super().__init__(interpreter, workdir, script=TASKS_PY)

    def wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, READY_TIMEOUT,
                       f"{self.script.name} never wrote {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        threads = self.record["threads"]
        self.wait_until_in_syscalls({threads["loop-a"]: set(EPOLL_SYSCALLS),
                                     threads["loop-b"]: set(SLEEP_SYSCALLS),
                                     self.pid: {FUTEX_SYSCALL}})
        return self.record


def run_cell(frontend, target, extras):
    """{"document", with "text" in extras "table" and "tree", with "xbt" "xbt"}: a debugger runs
    py-tasks, py-tasks --json, py-tasks --tree and py-xbt -a --json in one session, split around
    the JSON documents; the CLI runs once per output."""
    what = f"{frontend} py-tasks --json on {target.kind} {target.interpreter.id}"
    if frontend == "cli":
        result = {"document": extract_json(run_tasks(frontend, target, ["--json"]), what)}
        if "text" in extras:
            result["table"] = run_tasks(frontend, target, []).stdout
            result["tree"] = run_tasks(frontend, target, ["--tree"]).stdout
        if "xbt" in extras:
            result["xbt"] = extract_json(run_cli(target, ["--json"]), f"pyxray xbt --json on {target.kind}")
        return result
    commands = ["py-tasks --json"]
    if "text" in extras:
        commands = ["py-tasks", *commands, "py-tasks --tree"]
    if "xbt" in extras:
        commands.append("py-xbt -a --json")
    completed = run_debugger(frontend, target, commands)
    spans = json_spans(completed.stdout)
    if len(spans) != 1 + ("xbt" in extras):
        extract_json(completed, what)  # raises, saying what the tool printed instead
        raise ToolFailure(f"{what}: {len(spans)} JSON documents for {commands}:\n{completed.stdout[-3000:]}")
    (start, end, document), rest = spans[0], spans[1:]
    result = {"document": document}
    if "text" in extras:
        result["table"] = completed.stdout[:start]
        result["tree"] = completed.stdout[end:rest[0][0] if rest else None]
    if rest:
        result["xbt"] = rest[0][2]
    return result


@pytest.fixture(scope="module")
def tasks_runs(request, tmp_path_factory):
    wanted = selected_cells(request.session.items, __name__, lambda item: {
        extra for extra, tests in EXTRA_TESTS.items() if item.originalname in tests})
    runs = CellRuns(tmp_path_factory.mktemp("tasks"), wanted, TasksProcess, run_cell)
    yield runs
    shutil.rmtree(runs.directory, ignore_errors=True)


# --- what the record says, and how an output differs from it ------------------------------------------

def frame_text(frame):
    return f"{frame.get('qualname')} [{frame.get('function')}] ({frame.get('file')}:{frame.get('line')})"


def chain_differences(name, shown, recorded):
    shown = [{key: frame.get(key) for key in COROUTINE_KEYS} for frame in shown or []]
    recorded = [{key: frame[key] for key in COROUTINE_KEYS} for frame in recorded]
    if shown == recorded:
        return []
    if len(shown) != len(recorded):
        return [f"{name}: coroutine has {len(shown)} frames {[frame_text(frame) for frame in shown]}, "
                f"recorded {len(recorded)} {[frame_text(frame) for frame in recorded]}"]
    return [f"{name}: coroutine frame {index} is {frame_text(got)}, recorded {frame_text(wanted)}"
            for index, (got, wanted) in enumerate(zip(shown, recorded)) if got != wanted]


def task_differences(record, document):
    """Every way the document's tasks differ from the record, one line each (empty: they agree).
    Edges are compared by name, through the document's own address -> name map; an address of
    no task of the document (a Future) is left out."""
    shown_tasks = document.get("tasks")
    if not isinstance(shown_tasks, list):
        return [f"no list of tasks in the document: {str(document)[:300]}"]
    differences, shown = [], {}
    for task in shown_tasks:
        if task.get("name") in shown:
            differences.append(f"{task.get('name')!r} listed twice")
        shown[task.get("name")] = task
    names_of = {task.get("address"): task.get("name") for task in shown_tasks}
    recorded = {task["name"]: task for task in record["tasks"]}
    missing = sorted(set(recorded) - set(shown))
    extra = sorted(map(str, set(shown) - set(recorded)))
    if missing:
        differences.append(f"tasks missing: {missing}")
    if extra:
        differences.append(f"tasks the record does not have: {extra}")
    for name in sorted(set(recorded) & set(shown)):
        got, wanted = shown[name], recorded[name]
        differences += [f"{name}: {field} is {got.get(field)!r}, recorded {wanted[field]!r}"
                        for field in TASK_FIELDS if got.get(field) != wanted[field]]
        differences += chain_differences(name, got.get("coroutine"), wanted["coroutine"])
        for edge in ("awaiting", "awaited_by"):
            names = sorted(str(names_of[address]) for address in got.get(edge) or [] if address in names_of)
            if names != wanted[edge]:
                differences.append(f"{name}: {edge} tasks {names}, recorded {wanted[edge]}")
    return differences


def recorded_cycles(record):
    """The record's await cycles: each set of tasks that reach one another by awaiting edges."""
    edges = {task["name"]: task["awaiting"] for task in record["tasks"]}

    def reach(start):
        seen, stack = set(), list(edges[start])
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(edges[name])
        return seen

    reachable = {name: reach(name) for name in edges}
    return {frozenset({name} | {other for other in reachable[name] if name in reachable[other]})
            for name in edges if name in reachable[name]}


def cycle_differences(record, document):
    names_of = {task.get("address"): task.get("name") for task in document.get("tasks") or []}
    shown = Counter(frozenset(names_of.get(address, address) for address in cycle)
                    for cycle in document.get("cycles") or [])
    wanted = Counter(recorded_cycles(record))
    if shown == wanted:
        return []
    return [f"cycles {sorted(sorted(cycle) for cycle in shown.elements())}, "
            f"recorded {sorted(sorted(cycle) for cycle in wanted.elements())}"]


def has_word(line, word):
    return re.search(rf"(?<![\w.-]){re.escape(word)}(?![\w.-])", line) is not None


def first_address(line):
    found = re.search(r"0x[0-9a-f]+", line)
    return found and found.group(0)


def table_differences(record, text):
    """Each task on exactly one line, the one that begins with its address (a name may also
    show as what another task awaits), with its name and its state word."""
    lines = text.splitlines()
    differences = []
    for task in record["tasks"]:
        own = [line for line in lines if first_address(line) == task["address"]]
        if len(own) != 1:
            differences.append(f"{task['name']}: {len(own)} lines for its address {task['address']}: {own}")
        elif not (has_word(own[0], task["name"]) and has_word(own[0], task["state"])):
            differences.append(f"{task['name']}: its line lacks its name or state "
                               f"{task['state']!r}: {own[0]!r}")
    return differences


TREE_DRAWING = " \t│├└─┬┌|`+-"


def content_column(line):
    return len(line) - len(line.lstrip(TREE_DRAWING))


def is_under(lines, parent, child):
    """Whether some line naming `child` sits deeper than a line naming `parent`, inside its
    subtree (every line in between deeper than the parent's)."""
    for start, line in enumerate(lines):
        if not has_word(line, parent) or line.startswith("cycle:"):
            continue
        depth = content_column(line)
        for below in lines[start + 1:]:
            if below.strip() and content_column(below) <= depth:
                break
            if has_word(below, child):
                return True
    return False


def tree_differences(record, text):
    """Every task edge outside a cycle drawn as the awaited task under its awaiter, and each
    cycle once on a line `cycle: A -> B -> A`."""
    lines = text.splitlines()
    cycles = recorded_cycles(record)
    in_cycles = set().union(*cycles)
    differences = [f"{child} is not under {task['name']}"
                   for task in record["tasks"] if task["name"] not in in_cycles
                   for child in task["awaiting"] if not is_under(lines, task["name"], child)]
    cycle_lines = [line for line in lines if line.startswith("cycle:")]
    for cycle in cycles:
        naming = [line for line in cycle_lines if all(has_word(line, name) for name in cycle)]
        if len(naming) != 1:
            differences.append(f"{len(naming)} lines 'cycle: ...' name {sorted(cycle)}: {cycle_lines}")
    return differences


def task_mark_differences(record, document):
    """loop-b's innermost Python frames, its running task's live chain (block_in_c, runner),
    each marked with b-runner's name and address; every other Python frame of every thread
    with "task": null."""
    runner = next(task for task in record["tasks"] if task["name"] == "b-runner")
    mark = {"name": "b-runner", "address": runner["address"]}
    chain = [frame["function"] for frame in runner["coroutine"]]
    differences, loop_b = [], record["threads"]["loop-b"]
    threads = document.get("threads") or []
    if loop_b not in [thread.get("tid") for thread in threads]:
        differences.append(f"no thread {loop_b} (loop-b) in the document")
    for thread in threads:
        python = [frame for frame in thread.get("frames") or [] if frame.get("kind") == "python"]
        if any("task" not in frame for frame in python):
            differences.append(f"thread {thread.get('tid')}: a Python frame without a \"task\" field")
        shown = [(frame.get("function"), frame.get("task")) for frame in python]
        wanted = [(function, None) for function, _ in shown]
        if thread.get("tid") == loop_b:
            wanted = [(function, mark) for function in chain] + wanted[len(chain):]
        if shown != wanted:
            differences.append(f"thread {thread.get('tid')}: frames and marks {shown}, wanted {wanted}")
    return differences


def check_record(record):
    """The fixture's own promises the tests rely on: a task awaiting a task, a gather, a cycle."""
    tasks = {task["name"]: task for task in record["tasks"]}
    assert tasks["parent"]["awaiting"] == ["child"] and tasks["gatherer"]["awaiting"] == ["g-1", "g-2", "g-3"]
    assert frozenset({"cycle-a", "cycle-b"}) in recorded_cycles(record)


# --- the tests -------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", CELLS, ids=[cell_id(cell) for cell in CELLS])
def test_tasks_match_the_record(cell, tasks_runs):
    """Every task by name: address, state, loop thread, current, coroutine chain (function,
    qualname, file, line, innermost first) and await edges, exactly as recorded."""
    record, result = tasks_runs.get(cell)
    assert task_differences(record, result["document"]) == []


@pytest.mark.parametrize("cell", CELLS, ids=[cell_id(cell) for cell in CELLS])
def test_the_cycle_is_named_once(cell, tasks_runs):
    record, result = tasks_runs.get(cell)
    check_record(record)
    assert cycle_differences(record, result["document"]) == []


@pytest.mark.parametrize("cell", TEXT_CELLS, ids=[cell_id(cell) for cell in TEXT_CELLS])
def test_table_lists_every_task(cell, tasks_runs):
    record, result = tasks_runs.get(cell)
    assert table_differences(record, result["table"]) == [], result["table"][-4000:]


@pytest.mark.parametrize("cell", TEXT_CELLS, ids=[cell_id(cell) for cell in TEXT_CELLS])
def test_tree_shows_the_await_graph(cell, tasks_runs):
    """parent above child, the gather's tasks under gatherer (every task edge outside a cycle),
    and `cycle: ...` naming cycle-a and cycle-b."""
    record, result = tasks_runs.get(cell)
    check_record(record)
    assert tree_differences(record, result["tree"]) == [], result["tree"][-4000:]


@pytest.mark.parametrize("cell", XBT_CELLS, ids=[cell_id(cell) for cell in XBT_CELLS])
def test_xbt_marks_the_running_tasks_frames(cell, tasks_runs):
    """py-xbt -a --json: the frames b-runner runs (block_in_c <- runner, as recorded) carry its
    name and address, and no other frame of any thread carries a task."""
    record, result = tasks_runs.get(cell)
    b_runner = next(task for task in record["tasks"] if task["name"] == "b-runner")
    assert [frame["function"] for frame in b_runner["coroutine"]] == ["block_in_c", "runner"]
    assert task_mark_differences(record, result["xbt"]) == []


EXTRA_TESTS = {"text": {test_table_lists_every_task.__name__, test_tree_shows_the_await_graph.__name__},
               "xbt": {test_xbt_marks_the_running_tasks_frames.__name__}}


# --- subinterpreters ------------------------------------------------------------------------------

SUBINTERPRETERS_PY = REPO / "fixtures" / "asyncio_subinterpreters.py"
# (interpreter, front-ends live, front-ends on the core): the CLI both ways on each, one debugger
# session each way.
SUBINTERPRETER_CELLS = [("pyenv-3.12", ("cli", "gdb"), ("cli",)), ("pyenv-3.13", ("cli",), ("cli", "lldb"))]


class SubinterpretersProcess(FixtureProcess):
    def __init__(self, interpreter, workdir):
        super().__init__(interpreter, workdir, script=SUBINTERPRETERS_PY)

    def wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, READY_TIMEOUT,
                       f"{self.script.name} never wrote {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        threads = {task["thread"] for task in self.record["tasks"]}
        self.wait_until_in_syscalls({tid: set(EPOLL_SYSCALLS) for tid in threads})
        return self.record


def interpreter_differences(record, document):
    shown = sorted((task.get("name"), task.get("interpreter_id"), task.get("thread"))
                   for task in document.get("tasks") or [])
    wanted = sorted((task["name"], task["interpreter_id"], task["thread"]) for task in record["tasks"])
    return [] if shown == wanted else [f"tasks (name, interpreter, thread) {shown}, recorded {wanted}"]


@pytest.mark.parametrize("interpreter_id,live,on_core", SUBINTERPRETER_CELLS,
                         ids=[cell[0] for cell in SUBINTERPRETER_CELLS])
def test_subinterpreters_tasks_are_labelled(interpreter_id, live, on_core, tmp_path):
    """A loop in the main interpreter and one in a subinterpreter: every task with the id of the
    interpreter it belongs to and its loop's thread, in JSON and as the table's INTERP column."""
    interpreter = interpreters.find(interpreter_id)
    process = SubinterpretersProcess(interpreter, tmp_path)
    try:
        record = process.wait_until_blocked()
        for frontend in live:
            check_interpreter_labels(frontend, Target("live", interpreter, record, process.pid))
        core = Target("core", interpreter, record, process.pid, make_core(process.pid, tmp_path / "core"))
        process.stop()
        for frontend in on_core:
            check_interpreter_labels(frontend, core)
    finally:
        process.stop()
        (tmp_path / "core").unlink(missing_ok=True)


def check_interpreter_labels(frontend, target):
    """Every task with its interpreter's id and loop thread (JSON), and the INTERP column."""
    record = target.record
    what = f"{frontend} py-tasks on {target.kind} {target.interpreter.id}"
    if frontend == "cli":
        document = extract_json(run_tasks(frontend, target, ["--json"]), what)
        table = run_tasks(frontend, target, []).stdout
    else:
        session = run_debugger(frontend, target, ["py-tasks", "py-tasks --json"])
        table, document, _ = around_json(session, what)
    assert interpreter_differences(record, document) == [], what
    sub_task = next(task for task in record["tasks"] if task["name"] == "sub-task")
    row = next((line.split() for line in table.splitlines() if has_word(line, "sub-task")), None)
    assert row is not None and "INTERP" in table and str(sub_task["interpreter_id"]) in row, \
        f"{what}: no INTERP column naming sub-task's interpreter:\n{table}"


# --- a damaged core -------------------------------------------------------------------------------

def test_a_task_whose_memory_is_damaged_is_left_out_with_a_note(tmp_path):
    """A core in which one task's type pointer was zeroed (freed or damaged memory): every other
    task is listed as recorded, and a note says one registry entry was left out."""
    interpreter = interpreters.find("pyenv-3.12")
    process = TasksProcess(interpreter, tmp_path)
    core_path = tmp_path / "core"
    try:
        record = process.wait_until_blocked()
        make_core(process.pid, core_path)
    finally:
        process.stop()
    try:
        damaged = next(task for task in record["tasks"] if task["name"] == "waiter-2")
        type_field = CoreLayout(core_path).offset_of(int(damaged["address"], 16) + 8)
        assert type_field is not None, "the core holds no bytes for waiter-2"
        with open(core_path, "r+b") as core:
            core.seek(type_field)
            core.write(bytes(8))
        target = Target("core", interpreter, record, process.pid, core_path)
        document = extract_json(run_tasks("cli", target, ["--json"]), "pyxray tasks on the damaged core")
        shown = sorted(task["name"] for task in document["tasks"])
        assert shown == sorted(task["name"] for task in record["tasks"] if task is not damaged)
        notes = document["notes"]
        assert any("1 entry whose task is unreadable" in note for note in notes), notes
    finally:
        core_path.unlink(missing_ok=True)

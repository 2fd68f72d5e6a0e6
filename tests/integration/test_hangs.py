"""Hangs (issue 20): what every thread of fixtures/hangs.py waits for and who holds it, and each
of its two deadlocks named exactly once, through gdb, LLDB and the CLI, live and on a gcore core, on every
interpreter of the matrix, against the program's own record.

Every interpreter as installed, and two stripped copies through the CLI: there the static C
functions a lock's acquire and time.sleep block in (lock_PyThread_acquire_lock, rlock_acquire,
time_sleep) have no symbol, and the lock is told from the blocked frame's value stack. One
process per interpreter, every front-end and mode run on it in one go (py-threads, its --json
and py-xbt in one debugger session), then it is stopped.
"""

import json
import re
import shutil

import pytest

from support import interpreters, stripped
from conftest import MODES, frontends_for
from support.drivers import (
    CLI, GDB_WITHOUT_DEBUG_INFO, HIDE_DEBUG_INFO, REPO, ToolFailure, around_json, run_cli, run, run_gdb,
    run_lldb)
from support.targets import (
    FUTEX_SYSCALL, READY_TIMEOUT, SETTLE_TIMEOUT, SLEEP_SYSCALLS, FixtureProcess, Target, make_core)

HANGS_PY = REPO / "fixtures" / "hangs.py"

# Stripped copies (no .symtab: the static lock and sleep functions unnamed), through the CLI:
# the GIL lock layout and 3.13's PyMutex one.
STRIPPED_IDS = [stripped.stripped_id(interpreter_id) for interpreter_id in ("pyenv-3.12", "debian-3.13")
                if interpreter_id in interpreters.INTERPRETER_IDS]


def frontends_of(interpreter_id):
    return ["cli"] if interpreter_id in STRIPPED_IDS else frontends_for(interpreter_id)


CELLS = [(interpreter_id, frontend, mode) for interpreter_id in interpreters.INTERPRETER_IDS + STRIPPED_IDS
         for frontend in frontends_of(interpreter_id) for mode in MODES]


class HangsProcess(FixtureProcess):
    def __init__(self, interpreter, workdir):
        super().__init__(interpreter, workdir, script=HANGS_PY)

    def wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, READY_TIMEOUT, f"hangs.py never wrote {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        waiting = set(SLEEP_SYSCALLS) | {FUTEX_SYSCALL}
        self._wait_for(lambda: all(number in waiting for number in self._syscalls().values()), SETTLE_TIMEOUT,
                       f"threads of pid {self.pid} not all in a futex or sleep: {self._syscalls()}")
        return self.record


def run_both(frontend, target):
    """(text, document, xbt text) of `py-threads`, `py-threads --json` and `py-xbt -a`: one
    debugger session (the CLI: `pyxray threads`, `pyxray threads --json`, `pyxray xbt`)."""
    what = f"{frontend} py-threads --json on {target.kind} {target.interpreter.id}"
    commands = ["py-threads", "py-threads --json", "py-xbt -a"]
    if frontend in ("gdb", GDB_WITHOUT_DEBUG_INFO):
        completed = run_gdb(target, commands, HIDE_DEBUG_INFO if frontend == GDB_WITHOUT_DEBUG_INFO else ())
        return around_json(completed, what)
    if frontend == "lldb":
        return around_json(run_lldb(target, commands), what)
    _, document, _ = around_json(run_cli(target, ["--json"], subcommand="threads"), what)
    return run_cli(target, [], subcommand="threads").stdout, document, run_cli(target, []).stdout


class HangsRuns:
    def __init__(self, directory):
        self.directory = directory
        self.collected = {}  # interpreter id -> {"record", (frontend, mode) -> (text, document, xbt)}

    def get(self, interpreter_id, frontend, mode):
        """(record, py-threads text, py-threads document); the core report's text alone."""
        record, outputs = self.outputs(interpreter_id, frontend, mode)
        return (record, *outputs[:2]) if frontend != "core report" else (record, outputs, None)

    def get_xbt(self, interpreter_id, frontend, mode):
        """(record, py-xbt -a text, py-threads document)."""
        record, (_, document, xbt) = self.outputs(interpreter_id, frontend, mode)
        return record, xbt, document

    def outputs(self, interpreter_id, frontend, mode):
        runs = self.collected.get(interpreter_id)
        if runs is None:
            interpreter = interpreters.find(interpreter_id)
            try:
                runs = self._collect(interpreter, frontends_of(interpreter_id))
            except BaseException as failure:
                runs = failure
            self.collected[interpreter_id] = runs
        if isinstance(runs, BaseException):
            raise runs
        outputs = runs["core report"] if frontend == "core report" else runs[(frontend, mode)]
        if isinstance(outputs, ToolFailure):
            raise ToolFailure(str(outputs))
        return runs["record"], outputs

    def _collect(self, interpreter, frontends):
        process = HangsProcess(interpreter, self.directory / interpreter.id)
        try:
            record = process.wait_until_blocked()
            runs = {"record": record}
            targets = [Target("live", interpreter, record, process.pid),
                       Target("core", interpreter, record, process.pid,
                              make_core(process.pid, process.workdir / "core"))]
            for target in targets:
                for frontend in frontends:
                    try:
                        runs[(frontend, target.kind)] = run_both(frontend, target)
                    except ToolFailure as failure:
                        runs[(frontend, target.kind)] = failure
            try:
                runs["core report"] = run([CLI, "core", targets[1].core,
                                           "--exe", targets[1].executable]).stdout
            except ToolFailure as failure:
                runs["core report"] = failure
            return runs
        finally:
            process.stop()
            (process.workdir / "core").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def hangs_runs(tmp_path_factory):
    runs = HangsRuns(tmp_path_factory.mktemp("hangs"))
    yield runs
    shutil.rmtree(runs.directory, ignore_errors=True)


def by_tid(document):
    return {thread["tid"]: thread for thread in document["threads"]}


def deadlock_line(record, deadlock):
    """The line pyxray names a recorded deadlock with."""
    names = {thread["tid"]: thread["name"] for thread in record["threads"]}
    tids, objects = deadlock["threads"], deadlock["objects"]
    holders = tids[1:] + tids[:1]
    steps = [f'waits for lock {wanted} held by {holder} "{names[holder]}"'
             for wanted, holder in zip(objects, holders)]
    return f'deadlock: {tids[0]} "{names[tids[0]]}" ' + ", which ".join(steps)


def deadlock_lines(record):
    return sorted(deadlock_line(record, deadlock) for deadlock in record["deadlocks"])


@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_waits_match_the_record(cell, hangs_runs):
    """Every thread's kind, object, holders (an RLock's count, a semaphore's value, a queue's and a
    barrier's state) as recorded; a lock told from a running frame's value stack or locals is
    said to be probable. A lock held by an open `with` in a frame that called the next one is
    told from its value stack: certain from 3.11 on, whose frames save their stack top at a
    Python call, probable before."""
    record, _, document = hangs_runs.get(*cell)
    threads = by_tid(document)
    version = tuple(int(part) for part in record["python_version"].split(".")[:2])
    wrong = {}
    for recorded in record["threads"]:
        shown = (threads.get(recorded["tid"]) or {}).get("waiting") or {}
        expected = recorded["waiting"]
        optional = ("count", "value", "how", "held_how", "queue", "barrier")
        keys = ["kind", "object", "held_by"] + [key for key in optional if key in expected]
        got = {key: shown.get(key) for key in keys}
        if got != {key: expected[key] for key in keys}:
            wrong[recorded["name"]] = (expected, shown)
        elif shown["probably"] != (expected["kind"] in ("lock", "rlock")):
            wrong[recorded["name"]] = ("probably", shown)
        elif "held_how" in expected and shown["held_probably"] != (version < (3, 11)):
            wrong[recorded["name"]] = ("held_probably", shown)
    assert wrong == {}


@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_the_deadlocks_are_named_once(cell, hangs_runs):
    """The one taken with `with` (alpha, beta) and the one taken with acquire() (gamma, epsilon):
    each once, in JSON and in text."""
    record, text, document = hangs_runs.get(*cell)
    shown = sorted((d["threads"], d["objects"]) for d in document["deadlocks"])
    assert shown == sorted((d["threads"], d["objects"]) for d in record["deadlocks"])
    lines = sorted(line for line in text.splitlines() if line.startswith("deadlock: "))
    assert lines == deadlock_lines(record), text[-3000:]


@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_waiting_column(cell, hangs_runs):
    """The WAITING column says each thread's kind, and who holds what it waits for; PYTHON
    FRAME the program's own frame (every recorded thread blocks from one), not threading's."""
    record, text, _ = hangs_runs.get(*cell)
    lines = {int(line.split()[0]): line for line in text.splitlines() if re.match(r"\d+ ", line)}
    assert "WAITING" in text
    for recorded in record["threads"]:
        line = lines.get(recorded["tid"], "")
        expected = recorded["waiting"]
        assert re.search(rf"\s{expected['kind']}\s", line), (recorded["name"], line)
        assert not re.search(r"(threading|queue|_base)\.py:", line), (recorded["name"], line)
        if expected["kind"] == "rlock":
            assert f'owned by {expected["held_by"][0]} "delta", count 2' in line, line
        if expected["kind"] == "gil":
            assert f'held by {expected["held_by"][0]} "gil-holder"' in line, line
        if "queue" in expected:
            assert f'({expected["queue"]["state"]}, {expected["queue"]["call"]})' in line, line
        if "barrier" in expected:
            barrier = expected["barrier"]
            assert f'({barrier["waiting"]} of {barrier["parties"]} waiting)' in line, line


# The methods a primitive kind is told from; the line goes under the outermost of them (an
# Event.wait, not the Condition.wait it calls). Other kinds: under the innermost Python frame.
PRIMITIVE_METHODS = {"event": {"wait"}, "condition": {"wait", "wait_for"}, "semaphore": {"acquire"},
                     "barrier": {"wait"}, "thread": {"join"}, "queue": {"get", "put"},
                     "future": {"result", "exception"}}
THREADING_FILES = ("/threading.py", "/queue.py", "/concurrent/futures/_base.py")
FRAME_LINE = re.compile(r"#(\d+) +(Py|C) ")


def xbt_sections(text):
    """tid -> the lines under `Thread TID ...:` in py-xbt's text, up to the next blank line."""
    sections, lines = {}, None
    for line in text.splitlines():
        heading = re.match(r"Thread (\d+)\b.*:$", line)
        if heading:
            lines = sections.setdefault(int(heading.group(1)), [])
        elif not line.strip():
            lines = None
        elif lines is not None:
            lines.append(line)
    return sections


def blocking_frame(frames, kind):
    """The index of the frame the record's wait should be shown under, from the JSON frames."""
    python = [index for index, frame in enumerate(frames) if frame["kind"] == "python"]
    if kind not in PRIMITIVE_METHODS:
        return python[0] if python else None
    found = None
    for index in python:
        frame = frames[index]
        if not frame["file"].endswith(THREADING_FILES):
            break
        if frame["function"] in PRIMITIVE_METHODS[kind]:
            found = index
    return found


def waiting_problem(recorded, lines, thread):
    """What is wrong with the thread's waiting line in py-xbt's text, or None."""
    expected = recorded["waiting"]
    waits = [number for number, line in enumerate(lines) if line.lstrip().startswith("waiting: ")]
    if len(waits) != 1:
        return f"{len(waits)} waiting lines"
    line = lines[waits[0]].strip()
    shown = expected["kind"] if expected["kind"] == "thread" or not expected["object"] else (
        f'{expected["kind"]} {expected["object"]}')
    if not line.startswith(f"waiting: {shown}"):
        return f"{line!r} is not waiting: {shown}"
    if any(not re.search(rf"\b{tid}\b", line) for tid in expected["held_by"]):
        return f"{line!r} does not name {expected['held_by']}"
    index = blocking_frame(thread["frames"], expected["kind"])
    above = FRAME_LINE.match(lines[waits[0] - 1]) if waits[0] > 0 else None
    if index is None or not above or int(above.group(1)) != index or above.group(2) != "Py":
        return f"under {lines[waits[0] - 1] if waits[0] else 'the heading'!r}, not frame #{index}"
    if (thread["waiting"] or {}).get("frame") != index:
        return f"JSON says frame {(thread['waiting'] or {}).get('frame')}, not {index}"
    return None


@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_xbt_waiting_line_under_the_blocking_frame(cell, hangs_runs):
    """py-xbt: each recorded thread has one `waiting:` line, with the recorded kind and object
    (a join: the joined thread), right under the primitive's method (Event.wait), else under the
    innermost Python frame (the one taking a lock or sleeping); JSON's "frame" is that frame."""
    record, text, document = hangs_runs.get_xbt(*cell)
    sections, threads = xbt_sections(text), by_tid(document)
    wrong = {}
    for recorded in record["threads"]:
        lines, thread = sections.get(recorded["tid"]), threads.get(recorded["tid"])
        missing = lines is None or thread is None
        problem = "no section" if missing else waiting_problem(recorded, lines, thread)
        if problem:
            wrong[recorded["name"]] = (problem, "\n".join(lines or [])[:1500])
    assert wrong == {}, text[-3000:]


@pytest.mark.parametrize("interpreter_id", interpreters.INTERPRETER_IDS)
def test_core_report_names_the_deadlock_at_the_top(interpreter_id, hangs_runs):
    """`pyxray core`'s triage: each deadlock line once, before the threads."""
    record, report, _ = hangs_runs.get(interpreter_id, "core report", "core")
    lines = report.splitlines()
    deadlocks = [number for number, line in enumerate(lines) if line.startswith("deadlock: ")]
    threads = [number for number, line in enumerate(lines) if line.startswith("Threads:")]
    assert deadlocks and threads and max(deadlocks) < threads[0], report[:3000]
    assert sorted(lines[number] for number in deadlocks) == deadlock_lines(record), report[:3000]

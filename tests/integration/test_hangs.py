"""Hangs (issue 20): what every thread of fixtures/hangs.py waits for and who holds it, and its
deadlock named exactly once, through gdb, LLDB and the CLI, live and on a gcore core, on every
interpreter of the matrix, against the program's own record.

Interpreters as installed only, not their stripped copies: a lock's acquire and time.sleep are
told from static C functions (lock_PyThread_acquire_lock, rlock_acquire, time_sleep) whose
symbols a stripped libpython no longer has. One process per interpreter, every front-end and
mode run on it in one go (text and --json in one debugger session), then it is stopped.
"""

import json
import re
import shutil

import pytest

from support import interpreters
from conftest import MODES, frontends_for
from support.drivers import (
    CLI, GDB_WITHOUT_DEBUG_INFO, HIDE_DEBUG_INFO, REPO, ToolFailure, extract_json, run_cli, run, run_gdb,
    run_lldb)
from support.targets import (
    FUTEX_SYSCALL, READY_TIMEOUT, SETTLE_TIMEOUT, SLEEP_SYSCALLS, FixtureProcess, Target, make_core)

HANGS_PY = REPO / "fixtures" / "hangs.py"

CELLS = [(interpreter_id, frontend, mode) for interpreter_id in interpreters.INTERPRETER_IDS
         for frontend in frontends_for(interpreter_id) for mode in MODES]


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
    """(text, completed) of `py-threads` then `py-threads --json`: one debugger session."""
    commands = ["py-threads", "py-threads --json"]
    if frontend in ("gdb", GDB_WITHOUT_DEBUG_INFO):
        completed = run_gdb(target, commands, HIDE_DEBUG_INFO if frontend == GDB_WITHOUT_DEBUG_INFO else ())
        return completed.stdout, completed
    if frontend == "lldb":
        completed = run_lldb(target, commands)
        return completed.stdout, completed
    return run_cli(target, [], subcommand="threads").stdout, run_cli(target, ["--json"], subcommand="threads")


class HangsRuns:
    def __init__(self, directory):
        self.directory = directory
        self.collected = {}  # interpreter id -> {"record", (frontend, mode) -> (text, document)}

    def get(self, interpreter_id, frontend, mode):
        runs = self.collected.get(interpreter_id)
        if runs is None:
            interpreter = interpreters.find(interpreter_id)
            try:
                runs = self._collect(interpreter, frontends_for(interpreter_id))
            except BaseException as failure:
                runs = failure
            self.collected[interpreter_id] = runs
        if isinstance(runs, BaseException):
            raise runs
        if frontend == "core report":
            if isinstance(runs["core report"], ToolFailure):
                raise ToolFailure(str(runs["core report"]))
            return runs["record"], runs["core report"], None
        text, document = runs[(frontend, mode)]
        for result in (text, document):
            if isinstance(result, ToolFailure):
                raise ToolFailure(str(result))
        return runs["record"], text, document

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
                        text, completed = run_both(frontend, target)
                        what = f"{frontend} py-threads --json on {target.kind} {interpreter.id}"
                        runs[(frontend, target.kind)] = (text, extract_json(completed, what))
                    except ToolFailure as failure:
                        runs[(frontend, target.kind)] = (failure, failure)
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


@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_waits_match_the_record(cell, hangs_runs):
    """Every thread's kind, object, holders (an RLock's count, a semaphore's value) as recorded;
    a lock told from a running frame's value stack or locals is said to be probable. A lock held
    by an open `with` in a frame that called the next one is told from its value stack: certain
    from 3.11 on, whose frames save their stack top at a Python call, probable before."""
    record, _, document = hangs_runs.get(*cell)
    threads = by_tid(document)
    version = tuple(int(part) for part in record["python_version"].split(".")[:2])
    wrong = {}
    for recorded in record["threads"]:
        shown = (threads.get(recorded["tid"]) or {}).get("waiting") or {}
        expected = recorded["waiting"]
        optional = ("count", "value", "how", "held_how")
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
def test_the_deadlock_is_named_once(cell, hangs_runs):
    record, text, document = hangs_runs.get(*cell)
    expected = record["deadlocks"][0]
    assert [(d["threads"], d["objects"]) for d in document["deadlocks"]] == [
        (expected["threads"], expected["objects"])]
    lines = [line for line in text.splitlines() if line.startswith("deadlock: ")]
    alpha, beta = expected["threads"]
    assert lines == [f'deadlock: {alpha} "alpha" waits for lock {expected["objects"][0]} '
                     f'held by {beta} "beta", '
                     f'which waits for lock {expected["objects"][1]} held by {alpha} "alpha"'], text[-3000:]


@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_waiting_column(cell, hangs_runs):
    """The WAITING column says each thread's kind, and who holds what it waits for."""
    record, text, _ = hangs_runs.get(*cell)
    lines = {int(line.split()[0]): line for line in text.splitlines() if re.match(r"\d+ ", line)}
    assert "WAITING" in text
    for recorded in record["threads"]:
        line = lines.get(recorded["tid"], "")
        expected = recorded["waiting"]
        assert re.search(rf"\s{expected['kind']}\s", line), (recorded["name"], line)
        if expected["kind"] == "rlock":
            assert f'owned by {expected["held_by"][0]} "delta", count 2' in line, line


@pytest.mark.parametrize("interpreter_id", interpreters.INTERPRETER_IDS)
def test_core_report_names_the_deadlock_at_the_top(interpreter_id, hangs_runs):
    """`pyxray core`'s triage: the deadlock line once, before the threads."""
    record, report, _ = hangs_runs.get(interpreter_id, "core report", "core")
    lines = report.splitlines()
    deadlocks = [number for number, line in enumerate(lines) if line.startswith("deadlock: ")]
    threads = [number for number, line in enumerate(lines) if line.startswith("Threads:")]
    assert len(deadlocks) == 1 and threads and deadlocks[0] < threads[0], report[:3000]
    assert f'{record["deadlocks"][0]["threads"][0]} "alpha" waits for lock' in lines[deadlocks[0]]

"""Subinterpreters (CPython 3.12+): every interpreter's threads are shown, each Python frame
labelled with the interpreter that runs it, and an OS thread that runs code in a
subinterpreter on behalf of the main one shows both interpreters' frames in one merged stack.

fixtures/subinterpreters.py records, for each thread, its innermost Python functions and the
interpreter running each; 3.12 hands the subinterpreter's thread state from the thread that
created it to the one that runs it, so its recorded thread id is stale, and only the stacks
can tell where it runs.
"""

import shutil

import pytest

from support import interpreters
from support.drivers import xbt_json
from support.frames import threads_by_tid
from support.targets import REPO, FixtureProcess, Target, make_core

SUBINTERPRETERS_PY = REPO / "fixtures" / "subinterpreters.py"


class SubinterpreterTargets:
    """One fixture process per interpreter, and one gcore core of it, made on first use."""

    def __init__(self, directory):
        self.directory = directory
        self.processes = {}
        self.targets = {}

    def get(self, interpreter, mode):
        key = (interpreter.id, mode)
        if key not in self.targets:
            process = self._process(interpreter)
            if mode == "live":
                self.targets[key] = Target("live", interpreter, process.record, process.pid)
            else:
                core = make_core(process.pid, process.workdir / "core")
                self.targets[key] = Target("core", interpreter, process.record, process.pid, core)
        return self.targets[key]

    def _process(self, interpreter):
        if interpreter.id not in self.processes:
            process = FixtureProcess(interpreter, self.directory / interpreter.id,
                                     script=SUBINTERPRETERS_PY)
            self.processes[interpreter.id] = process
            process.wait_until_blocked()
        return self.processes[interpreter.id]

    def close(self):
        for process in self.processes.values():
            process.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def subinterpreter_targets(tmp_path_factory):
    targets = SubinterpreterTargets(tmp_path_factory.mktemp("subinterpreters"))
    yield targets
    targets.close()


def python_frames_with_interpreters(thread):
    return [(frame["function"], frame["interpreter_id"])
            for frame in thread["frames"] if frame["kind"] == "python"]


@pytest.mark.python_since(12)  # before 3.12 isolated subinterpreters cannot start threads
def test_every_interpreters_threads_are_labelled(interp_id, frontend, mode, subinterpreter_targets):
    target = subinterpreter_targets.get(interpreters.find(interp_id), mode)
    document = xbt_json(frontend, target)
    shown = threads_by_tid(document)
    subinterpreter = target.record["subinterpreter"]
    assert subinterpreter != 0
    for recorded in target.record["threads"]:
        thread = shown.get(recorded["tid"])
        assert thread is not None, f"{recorded['name']} thread (tid {recorded['tid']}) not shown"
        expected = [tuple(pair) for pair in recorded["functions"]]
        frames = python_frames_with_interpreters(thread)
        assert frames[:len(expected)] == expected, (recorded["name"], thread["notes"])
        assert thread["merged"], (recorded["name"], thread["notes"])
        assert thread["interpreter_id"] == expected[0][1], recorded["name"]
    assert any(pair[1] == subinterpreter for recorded in target.record["threads"]
               for pair in recorded["functions"]), "the fixture recorded no subinterpreter frame"


@pytest.mark.python_since(12)
def test_a_thread_running_a_subinterpreter_keeps_its_own_name(interp_id, frontend, mode,
                                                              subinterpreter_targets):
    """"host" runs code in the subinterpreter, whose threading knows it only as a stand-in (its
    "MainThread" in 3.12, "Dummy-1" in 3.13); the main interpreter started it as "host", and
    that is its name."""
    target = subinterpreter_targets.get(interpreters.find(interp_id), mode)
    shown = threads_by_tid(xbt_json(frontend, target))
    names = {recorded["name"]: shown[recorded["tid"]].get("name")
             for recorded in target.record["threads"] if recorded["tid"] in shown}
    assert names.get("host") == "host" and names.get("guest") == "guest", names

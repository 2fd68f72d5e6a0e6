"""The heap census of free-threaded builds (issue 21): they keep no GC lists, so the census finds
their objects in mimalloc's heaps. fixtures/heap_free_threaded.py counts with gc.get_objects() what
every front-end must count, live and in a core: its main interpreter's total (with what
gc.freeze() set aside, which the census counts and gc.get_objects() does not) and its classes
exactly (objects of the main thread, a living thread, an exited thread's abandoned segments),
and its subinterpreter's own class, which the main interpreter must not hold."""

import subprocess
import time
from pathlib import Path

import pytest

from support import interpreters
from support.drivers import extract_json, run_cli, run_debugger
from support.targets import REPO, Target, make_core

HEAP_FREE_THREADED_PY = REPO / "fixtures" / "heap_free_threaded.py"
READY_TIMEOUT = 120


class Population:
    """The fixture under debian-3.13t, what it counted, and a gcore of it."""

    def __init__(self, directory):
        interpreter = interpreters.find("debian-3.13t")
        self.process = subprocess.Popen([str(interpreter.executable), str(HEAP_FREE_THREADED_PY)],
                                        cwd=directory, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        words = line.split()
        if len(words) != 11 or words[0] != "ready":
            self.close()
            pytest.fail(f"{HEAP_FREE_THREADED_PY.name} said {line!r}", pytrace=False)
        self._wait_until_reading()
        self.total, self.items, self.slotted = (int(word) for word in words[1:4])
        self.sub_total, self.sub_items = int(words[6]), int(words[7])
        self.frozen, self.frozen_items = int(words[9]), int(words[10])
        self.targets = {"live": Target("live", interpreter, {}, self.process.pid)}
        core = make_core(self.process.pid, directory / "core")
        self.targets["core"] = Target("core", interpreter, {}, self.process.pid, core)

    def _wait_until_reading(self):
        """print() frees its temporary objects after the line is out: wait until the main thread
        blocks in os.read (x86-64 system call 0)."""
        deadline = time.monotonic() + READY_TIMEOUT
        syscall = Path(f"/proc/{self.process.pid}/syscall")
        while syscall.read_text().split()[0] != "0":
            if time.monotonic() > deadline:
                self.close()
                pytest.fail(f"{HEAP_FREE_THREADED_PY.name} never blocked in read", pytrace=False)
            time.sleep(0.001)

    def close(self):
        self.process.stdin.close()  # the fixture's os.read returns: it exits
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    population = Population(tmp_path_factory.mktemp("heap_free_threaded"))
    yield population
    population.close()


def census(front_end, target):
    if front_end == "cli":
        completed = run_cli(target, ["--json"], subcommand="heap")
    else:
        completed = run_debugger(front_end, target, ["py-heap --json"])
    return extract_json(completed, f"{front_end} heap --json on {target.kind} debian-3.13t")["heap"]


@pytest.mark.parametrize("front_end, where", [("cli", "live"), ("cli", "core"), ("gdb", "live"),
                                              ("gdb", "core"), ("lldb", "live"), ("lldb", "core")])
def test_free_threaded_census_counts_what_gc_get_objects_counts(population, front_end, where):
    heap = census(front_end, population.targets[where])
    by_id = {interpreter["id"]: interpreter for interpreter in heap["interpreters"]}
    assert by_id[0]["source"] == "mimalloc heaps"
    # gc.get_objects() plus what gc.freeze() set aside, as the census counts on every build
    assert by_id[0]["count"] == population.total + population.frozen
    types = {(t["module"], t["qualname"]): t["count"] for t in heap["types"]}
    assert types[("__main__", "Item")] == population.items + population.frozen_items
    assert types[("__main__", "Slotted")] == population.slotted
    assert types[("__main__", "SubItem")] == population.sub_items  # all in the subinterpreter
    # Counted inside the subinterpreter's exec(), whose thread state is gone by the reading and
    # a couple of objects with it (test_mimalloc_objects_live.cpp).
    (sub,) = [interpreter for id_, interpreter in by_id.items() if id_ != 0]
    assert population.sub_total - 8 <= sub["count"] <= population.sub_total
    assert heap["total"]["count"] == by_id[0]["count"] + sub["count"]

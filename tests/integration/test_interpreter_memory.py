"""Interpreter memory next to the heap census (issue 21): `pyxray heap --pid PID --json`'s
heap.memory (obmalloc arenas in use, the free lists, the number of interned strings) against
what fixtures/interpreter_memory.py's own interpreter said just before it slept:
sys._debugmallocstats() for the arenas (exactly) and the free lists (within a few entries: the
ready file's open and close run after the report), sys.getunicodeinternedsize() where it exists.
On three interpreters, a gcore core of the same process must give the same heap.memory, and
so must gdb's and LLDB's `py-heap --json`, live and on the core.
Interned strings elsewhere: two runs of the program, one interning N fresh strings, and the count
pyxray reads must grow by N (within a few strings the runs intern differently) from the run
that interns none.
What pyxray cannot reach on a version (3.12+'s interned dict, the statics of a stripped
interpreter without its debug file) must be said in heap.memory.notes, never given as a number.
"""

import json
import re
from pathlib import Path

import pytest

from support import interpreters
from support.drivers import REPO, cli_command, extract_json, run, run_debugger
from support.targets import SLEEP_SYSCALLS, FixtureProcess, Target, make_core

MEMORY_PY = REPO / "fixtures" / "interpreter_memory.py"
# debian-3.13t joins once `pyxray heap` walks mimalloc's heaps (until then it fails before the
# memory is read; test_interpreter_memory.cpp checks 3.13t's notes on a live process).
INTERPRETER_IDS = ["pyenv-3.8", "pyenv-3.10", "pyenv-3.11", "pyenv-3.12", "pyenv-3.13", "debian-3.11",
                   "debian-3.13"]
# Also on a gcore core, and through gdb's and LLDB's py-heap live and on it: the same numbers.
CORE_IDS = ("pyenv-3.8", "pyenv-3.13", "debian-3.11")
DEBUGGERS = ("gdb", "lldb")
FRESH = 20000  # strings the second run interns
FRESH_SLACK = 16  # other strings the two runs may intern differently (3.8: the baseline one more)
FREE_LIST_SLACK = 3
STAT_NAMES = {"PyFloatObjects": "float", "PyListObjects": "list", "PyDictObjects": "dict",
              "PyDictKeysObjects": "dict keys", "PyFrameObjects": "frame", "PyMethodObjects": "method",
              "PyCFunctionObjects": "builtin method"}


class MemoryProcess(FixtureProcess):
    """interpreter_memory.py interning `fresh` strings, ready once it sleeps."""

    def __init__(self, interpreter, workdir, fresh):
        super().__init__(interpreter, workdir, script=MEMORY_PY, arguments=["--intern", fresh])

    def wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, 60.0, f"{self.script.name} never wrote {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        self.stats = parse_malloc_stats(Path(str(self.record_path) + ".stats").read_text())
        self.wait_until_in_syscalls({self.pid: set(SLEEP_SYSCALLS)})
        return self.record


def parse_malloc_stats(text):
    """{"arenas": N, "free_lists": {pyxray's name: count}} from sys._debugmallocstats()."""
    arenas = re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text)
    free_lists = {f"tuple[{size}]": int(count)
                  for count, size in re.findall(r"(\d+) free (\d+)-sized PyTupleObjects", text)}
    for count, kind in re.findall(r"(\d+) free (Py\w+Objects) ", text):
        if kind in STAT_NAMES:
            free_lists[STAT_NAMES[kind]] = int(count)
    return {"arenas": int(arenas.group(1).replace(",", "")) if arenas else None, "free_lists": free_lists}


def memory_of(target, frontend="cli"):
    if frontend == "cli":
        completed = run(cli_command(target, ["--json"], subcommand="heap"))
    else:
        completed = run_debugger(frontend, target, ["py-heap --json"])
    document = extract_json(completed, f"{frontend} heap --json on {target.kind} {target.interpreter.id}")
    return document["heap"]["memory"]


def heap_memory(interpreter, tmp_path, fresh, with_core=False):
    """(heap.memory of `pyxray heap --pid --json`, the process's stats, its record); with_core:
    also of a gcore core of the sleeping process, which must say the same."""
    workdir = tmp_path / f"intern-{fresh}"
    process = MemoryProcess(interpreter, workdir, fresh)
    try:
        record = process.wait_until_blocked()
        live_target = Target("live", interpreter, record, process.pid)
        live = memory_of(live_target)
        if with_core:
            core = make_core(process.pid, workdir / "core")
            core_target = Target("core", interpreter, record, process.pid, core=core)
            assert memory_of(core_target) == live, "the core's heap.memory is not the live process's"
            for frontend in DEBUGGERS:  # one session each, on the core and live
                assert memory_of(core_target, frontend) == live, f"{frontend} on the core"
                assert memory_of(live_target, frontend) == live, f"{frontend} live"
            core.unlink()
        return live, process.stats, record
    finally:
        process.stop()


def debug_file_of(executable):
    """/usr/lib/debug/.build-id/XX/REST.debug for the executable's GNU build-id."""
    notes = run(["readelf", "-n", str(executable)]).stdout
    build_id = re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)
    return Path("/usr/lib/debug/.build-id") / build_id[:2] / f"{build_id[2:]}.debug"


def free_lists_of(memory):
    names = [entry["name"] for entry in memory["free_lists"]]
    assert len(names) == len(set(names)), f"a free list named twice: {names}"
    return {entry["name"]: entry["count"] for entry in memory["free_lists"]}


@pytest.mark.parametrize("interpreter_id", INTERPRETER_IDS)
def test_interpreter_memory_agrees_with_the_targets_own_numbers(interpreter_id, tmp_path):
    interpreter = interpreters.find(interpreter_id)
    baseline, _, _ = heap_memory(interpreter, tmp_path, 0)
    memory, stats, record = heap_memory(interpreter, tmp_path, FRESH, with_core=interpreter_id in CORE_IDS)
    version = tuple(record["version"][:2])
    notes = "\n".join(memory["notes"])
    free_threaded = interpreter_id.endswith("t")
    # Debian's python3.11 has no .symtab: its statics come from python3.11-dbg's debug file.
    stripped_statics = interpreter_id == "debian-3.11" and not debug_file_of(interpreter.executable).exists()

    if free_threaded:
        assert memory["arenas_in_use"] is None and memory["arena_bytes"] is None, memory
        assert "mimalloc" in notes
    elif stripped_statics:
        assert memory["arenas_in_use"] is None, memory
        assert f"and no debug file {debug_file_of(interpreter.executable)}" in notes
    else:
        assert memory["arenas_in_use"] == stats["arenas"], (memory, stats)
        assert memory["arena_bytes"] == (1 << 20 if version >= (3, 10) else 1 << 18)

    told = free_lists_of(memory)
    if free_threaded:
        assert told == {} and "per thread state" in notes, memory
    else:
        compared = [name for name in told if name in stats["free_lists"]]
        assert len(compared) >= 20, (told, stats["free_lists"])  # float, list, dict, every tuple size
        for name in compared:
            assert abs(told[name] - stats["free_lists"][name]) <= FREE_LIST_SLACK, (name, told, stats)

    if version >= (3, 12) or stripped_statics:
        assert memory["interned_strings"] is None, memory
        assert "interned strings:" in notes
    else:
        before, after = baseline["interned_strings"], memory["interned_strings"]
        assert abs(after - before - FRESH) <= FRESH_SLACK, (before, after)
    if record["interned_size"] is not None and memory["interned_strings"] is not None:
        assert memory["interned_strings"] == record["interned_size"]
    print(f"{interpreter_id}: arenas {memory['arenas_in_use']}, {len(told)} free lists, "
          f"interned {memory['interned_strings']}; notes: {memory['notes']}")

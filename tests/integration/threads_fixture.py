"""fixtures/threads.py as a target: one process per interpreter, and a gcore core of it.

Its threads do not all sleep (FixtureProcess's readiness): the spinner runs, holding the GIL,
and the waiter sits in a futex wait taking the GIL back after a sleep (its only other syscall
is the sleep itself, so a futex wait there can only be the GIL). The process is ready when the
record and ready file exist and every thread is in the syscall its record implies.
"""

import json
import shutil

import pytest

from targets import (READY_TIMEOUT, REPO, SETTLE_TIMEOUT, SLEEP_SYSCALLS, FixtureProcess, Target,
                     make_core)

THREADS_PY = REPO / "fixtures" / "threads.py"
FUTEX_SYSCALL = "202"  # x86-64 futex: pthread_cond_timedwait in take_gil


class ThreadsFixtureProcess(FixtureProcess):
    def __init__(self, interpreter, workdir):
        super().__init__(interpreter, workdir, script=THREADS_PY)

    def wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, READY_TIMEOUT,
                       f"{self.script.name} never wrote {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        self._check_mapped_libraries()
        self._wait_for(self._settled, SETTLE_TIMEOUT,
                       f"threads of pid {self.pid} not in their expected syscalls "
                       f"(expected {self._expected()}): {self._syscalls()}")
        return self.record

    def _expected(self):
        """tid -> what /proc/PID/task/TID/syscall must say: a set of values, or None for any."""
        expected = {}
        for thread in self.record["threads"]:
            if thread["key"] == "spinner":
                expected[thread["tid"]] = {"running"}
            elif thread["key"] == "waiter":
                expected[thread["tid"]] = None if self.record["free_threaded"] else {FUTEX_SYSCALL}
            else:
                expected[thread["tid"]] = set(SLEEP_SYSCALLS)
        return expected

    def _settled(self):
        expected = self._expected()
        syscalls = self._syscalls()
        if sorted(syscalls) != sorted(expected):
            pytest.fail(f"pid {self.pid} has threads {sorted(syscalls)}, its record says {sorted(expected)}",
                 pytrace=False)
        return all(wanted is None or syscalls[tid] in wanted for tid, wanted in expected.items())


class ThreadsTargets:
    """One threads.py per interpreter; the live target and a core of the same process."""

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
            process = ThreadsFixtureProcess(interpreter, self.directory / interpreter.id)
            self.processes[interpreter.id] = process
            process.wait_until_blocked()
        return self.processes[interpreter.id]

    def close(self):
        for process in self.processes.values():
            process.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

"""fixtures/threads.py as a target: one process per interpreter, and a gcore core of it.

Its threads do not all sleep (FixtureProcess's readiness): the spinner runs, holding the GIL,
and the waiter sits in a futex wait taking the GIL back after a sleep (its only other syscall
is the sleep itself, so a futex wait there can only be the GIL). The process is ready when the
record and ready file exist and every thread is in the syscall its record implies.
"""

import json
import shutil

from support.targets import (
    FUTEX_SYSCALL, READY_TIMEOUT, REPO, SLEEP_SYSCALLS, FixtureProcess, Target, make_core)

THREADS_PY = REPO / "fixtures" / "threads.py"


class ThreadsFixtureProcess(FixtureProcess):
    def __init__(self, interpreter, workdir):
        super().__init__(interpreter, workdir, script=THREADS_PY)

    def wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, READY_TIMEOUT,
                       f"{self.script.name} never wrote {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        self._check_mapped_libraries()
        self.wait_until_in_syscalls(self._expected())
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


class ThreadsRuns:
    """Everything the tests read about one interpreter, collected in one go: threads.py is
    started, every front-end runs py-threads (--json, and plain) on it live and on a gcore core
    of it, and then the process is stopped and the core deleted. Its spinner keeps a CPU busy,
    so no two of them may live at once on a 2-core machine (nor one across the whole module)."""

    def __init__(self, directory, run_threads, extract_json, failure_type):
        self.directory = directory
        self.run_threads = run_threads
        self.extract_json = extract_json
        self.failure_type = failure_type
        self.collected = {}  # interpreter id -> {"record", (frontend, mode) -> (json, text)}

    def get(self, interpreter, frontend, mode, frontends):
        """(record, JSON document or failure, text or failure) of one front-end and mode;
        `frontends` are every front-end the matrix runs on this interpreter."""
        runs = self.collected.get(interpreter.id)
        if isinstance(runs, BaseException):  # the process never got ready: say so once per test
            raise runs
        if runs is None or (frontend, mode) not in runs:
            try:
                runs = self._collect(interpreter, sorted(set(frontends) | {frontend}), runs or {})
            except BaseException as failure:  # pytest.fail's outcome, a timeout, ...
                self.collected[interpreter.id] = failure
                raise
            self.collected[interpreter.id] = runs
        return (runs["record"], *runs[(frontend, mode)])

    def _collect(self, interpreter, frontends, runs):
        process = ThreadsFixtureProcess(interpreter, self.directory / interpreter.id)
        try:
            record = process.wait_until_blocked()
            runs["record"] = record
            targets = [Target("live", interpreter, record, process.pid)]
            targets.append(Target("core", interpreter, record, process.pid,
                                  make_core(process.pid, process.workdir / "core")))
            for target in targets:
                for frontend in frontends:
                    runs[(frontend, target.kind)] = (self._json(frontend, target),
                                                     self._text(frontend, target))
        finally:
            process.stop()
            (process.workdir / "core").unlink(missing_ok=True)  # about 200 MB each
        return runs

    def _json(self, frontend, target):
        try:
            completed = self.run_threads(frontend, target, ["--json"])
            return self.extract_json(completed,
                                     f"{frontend} py-threads on {target.kind} {target.interpreter.id}")
        except self.failure_type as failure:
            return failure

    def _text(self, frontend, target):
        try:
            return self.run_threads(frontend, target, []).stdout
        except self.failure_type as failure:
            return failure

    def close(self):
        shutil.rmtree(self.directory, ignore_errors=True)

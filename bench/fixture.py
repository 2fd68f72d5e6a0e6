"""fixtures/stacks.py running under one interpreter with a deep recursion thread, ready to read.

Ready means: stacks.py wrote its record and ready file AND every one of its threads sits in a
sleep syscall (the approach of tests/integration/support/targets.py). The process is killed and waited
for on exit from the `with` block: PID 1 does not reap.
"""

import json
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STACKS_PY = REPO / "fixtures" / "stacks.py"

READY_TIMEOUT = 60.0  # first run of an interpreter compiles .pyc files
SETTLE_TIMEOUT = 10.0
POLL_INTERVAL = 0.01
SLEEP_SYSCALLS = {"230"}  # clock_nanosleep: time.sleep on 3.11+, x86-64
DEEP_THREAD = "deep"


class BenchFailure(Exception):
    """A command failed or printed the wrong number of frames."""


class Fixture:
    def __init__(self, executable, depth, workdir):
        self.executable = Path(executable)
        self.depth = depth
        self.workdir = Path(workdir)
        self.record_path = self.workdir / "record.json"
        self.ready_path = self.workdir / "ready"
        self.log_path = self.workdir / "stacks.log"
        self.process = None
        self.record = None

    def __enter__(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [str(self.executable), str(STACKS_PY), "--depth", str(self.depth),
                   "--record", str(self.record_path), "--ready", str(self.ready_path)]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_blocked()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exception):
        self.stop()

    @property
    def pid(self):
        return self.process.pid

    def deep_thread(self):
        """(tid, number of Python frames) of the recursion thread, from stacks.py's record."""
        for thread in self.record["threads"]:
            if thread["name"] == DEEP_THREAD:
                return thread["tid"], len(thread["frames"])
        raise BenchFailure(f"{self.record_path} has no {DEEP_THREAD!r} thread")

    def thread_ids(self):
        return sorted(thread["tid"] for thread in self.record["threads"])

    def _wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, READY_TIMEOUT, f"no {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        self._wait_for(self._all_sleeping, SETTLE_TIMEOUT,
                       "threads not all in clock_nanosleep")

    def _wait_for(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise BenchFailure(f"{STACKS_PY.name} under {self.executable} exited with "
                                   f"{self.process.returncode}: {self._log_tail()}")
            if time.monotonic() > deadline:
                raise BenchFailure(f"{STACKS_PY.name} under {self.executable}: {what} after "
                                   f"{timeout:.0f} s; log: {self._log_tail()}")
            time.sleep(POLL_INTERVAL)

    def _all_sleeping(self):
        syscalls = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                syscalls[int(task.name)] = (task / "syscall").read_text().split()[0]
            except (OSError, IndexError):
                syscalls[int(task.name)] = "gone"
        if sorted(syscalls) != self.thread_ids():
            raise BenchFailure(f"pid {self.pid} has threads {sorted(syscalls)}, its record "
                               f"says {self.thread_ids()}")
        return all(number in SLEEP_SYSCALLS for number in syscalls.values())

    def _log_tail(self):
        try:
            return self.log_path.read_text(errors="replace")[-1000:] or "(empty)"
        except OSError as error:
            return f"(unreadable: {error})"

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

"""Targets for the front-ends: a running fixtures/stacks.py, and gcore cores of it.

A live target is ready when stacks.py has written its record and ready file AND every one of
its threads sits in a sleep syscall (so the native stacks are settled too). Every process
started here is killed and waited for: PID 1 does not reap.
"""

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
STACKS_PY = REPO / "fixtures" / "stacks.py"

READY_TIMEOUT = 60.0  # bounds for a loaded CI machine; the first run also compiles .pyc files
SETTLE_TIMEOUT = 30.0
GCORE_TIMEOUT = 120
POLL_INTERVAL = 0.01

# x86-64 syscall numbers of time.sleep: clock_nanosleep (3.11+), pselect6 (3.8-3.10's select)
SLEEP_SYSCALLS = {"230": "clock_nanosleep", "270": "pselect6"}
FUTEX_SYSCALL = "202"  # x86-64 futex: every lock, event, condition, join and GIL wait
EPOLL_SYSCALLS = {"232": "epoll_wait", "281": "epoll_pwait"}  # an asyncio loop in its selector


class FixtureProcess:
    """A fixture program (stacks.py unless told otherwise) running under one interpreter, in its
    own directory; it takes --record and --ready, and blocks every thread in time.sleep."""

    def __init__(self, interpreter, workdir, depth=None, script=STACKS_PY, arguments=()):
        self.interpreter = interpreter
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.record_path = self.workdir / "record.json"
        self.ready_path = self.workdir / "ready"
        self.log_path = self.workdir / "stacks.log"
        self.script = script
        command = [str(interpreter.executable), str(script),
                   "--record", str(self.record_path), "--ready", str(self.ready_path)]
        if depth is not None:
            command += ["--depth", str(depth)]
        command += [str(argument) for argument in arguments]
        environment = dict(os.environ, **dict(interpreter.environment))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, env=environment)
        self.pid = self.process.pid
        self.record = None

    def wait_until_blocked(self):
        """Ready file, then record, then every thread in a sleep syscall; fails clearly."""
        self._wait_for(self.ready_path.exists, READY_TIMEOUT,
                       f"{self.script.name} never wrote {self.ready_path}")
        self.record = json.loads(self.record_path.read_text())
        self._check_mapped_libraries()
        recorded = sorted(thread["tid"] for thread in self.record["threads"])
        self._wait_for(lambda: self._tasks_sleeping(recorded), SETTLE_TIMEOUT,
                       f"threads of pid {self.pid} not all in a sleep syscall "
                       f"({'/'.join(SLEEP_SYSCALLS.values())}): {self._syscalls()}")
        return self.record

    def _check_mapped_libraries(self):
        """A copy run with its own environment (stripped.py) must run the copied executable and
        its own libpython (none, for a static build), not the original one that RUNPATH or the
        loader's cache would otherwise find: fail if it maps any other."""
        if not self.interpreter.environment:
            return
        running = os.readlink(f"/proc/{self.pid}/exe")
        if running != str(self.interpreter.executable):
            pytest.fail(f"pid {self.pid} runs {running}, expected {self.interpreter.executable}",
                        pytrace=False)
        expected = {str(path) for path in self.interpreter.libraries}
        mapped = set()
        for line in Path(f"/proc/{self.pid}/maps").read_text().splitlines():
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and ("libpython" in Path(fields[5]).name or fields[5] in expected):
                mapped.add(fields[5])
        if mapped != expected:
            pytest.fail(f"pid {self.pid} under {self.interpreter.executable} maps libpython "
                        f"{sorted(mapped)}, expected only {sorted(expected)}", pytrace=False)

    def _wait_for(self, condition, timeout, message):
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"{self.script.name} under {self.interpreter.executable} exited with "
                            f"{self.process.returncode}: {self.log()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"{message} after {timeout:.0f} s; log: {self.log()}", pytrace=False)
            time.sleep(POLL_INTERVAL)

    def wait_until_in_syscalls(self, expected):
        """Every thread in its expected syscall: `expected` maps each tid the process must have
        to the values its /proc/PID/task/TID/syscall may start with (None: any)."""
        self._wait_for(lambda: self._in_syscalls(expected), SETTLE_TIMEOUT,
                       f"threads of pid {self.pid} not in their expected syscalls "
                       f"(expected {expected}): {self._syscalls()}")

    def _in_syscalls(self, expected):
        syscalls = self._syscalls()
        if sorted(syscalls) != sorted(expected):
            pytest.fail(f"pid {self.pid} has threads {sorted(syscalls)}, its record says {sorted(expected)}",
                        pytrace=False)
        return all(wanted is None or syscalls[tid] in wanted for tid, wanted in expected.items())

    def _syscalls(self):
        """tid -> first field of /proc/PID/task/TID/syscall (number, 'running' or '-1')."""
        found = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                found[int(task.name)] = (task / "syscall").read_text().split()[0]
            except (OSError, IndexError):
                found[int(task.name)] = "gone"
        return found

    def _tasks_sleeping(self, recorded_tids):
        syscalls = self._syscalls()
        if sorted(syscalls) != recorded_tids:
            pytest.fail(f"pid {self.pid} has threads {sorted(syscalls)}, its record says "
                        f"{recorded_tids}", pytrace=False)
        return all(number in SLEEP_SYSCALLS for number in syscalls.values())

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-2000:] or "(empty)"
        except OSError as error:
            return f"(unreadable: {error})"

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def make_core(pid, core_path):
    """gcore the process; gdb's exit status says nothing, so check the file."""
    command = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
               "-p", str(pid), "-ex", f"gcore {core_path}"]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=GCORE_TIMEOUT, env=quiet_environment())
    if not core_path.exists() or core_path.stat().st_size == 0:
        pytest.fail(f"gcore of pid {pid} wrote no {core_path}: {result.stdout[-1000:]}"
                    f"{result.stderr[-1000:]}", pytrace=False)
    return core_path


def quiet_environment():
    """The environment for every tool: no debuginfod network lookups."""
    environment = dict(os.environ)
    environment["DEBUGINFOD_URLS"] = ""
    return environment


@dataclass
class Target:
    """What a front-end is pointed at: a live pid or a core (+ executable), and the oracle."""
    kind: str  # "live" or "core"
    interpreter: object
    record: dict
    pid: int
    core: Path = None
    results: dict = field(default_factory=dict)  # (frontend, flags) -> result or exception

    @property
    def executable(self):
        return self.interpreter.executable


class LiveTargets:
    """One running stacks.py per interpreter, started on first use."""

    def __init__(self, directory, depth=None):
        self.directory = Path(directory)
        self.depth = depth
        self.processes = {}
        self.targets = {}

    def get(self, interpreter):
        if interpreter.id not in self.targets:
            process = FixtureProcess(interpreter, self.directory / interpreter.id, self.depth)
            self.processes[interpreter.id] = process
            record = process.wait_until_blocked()
            self.targets[interpreter.id] = Target("live", interpreter, record, process.pid)
        return self.targets[interpreter.id]

    def close(self):
        for process in self.processes.values():
            process.stop()


class CoreTargets:
    """One gcore core per interpreter, made on first use from a stacks.py stopped right after."""

    def __init__(self, directory, depth=None):
        self.directory = Path(directory)
        self.depth = depth
        self.targets = {}

    def get(self, interpreter):
        if interpreter.id not in self.targets:
            workdir = self.directory / interpreter.id
            process = FixtureProcess(interpreter, workdir, self.depth)
            try:
                record = process.wait_until_blocked()
                core = make_core(process.pid, workdir / "core")
            finally:
                process.stop()
            self.targets[interpreter.id] = Target("core", interpreter, record, process.pid, core)
        return self.targets[interpreter.id]

    def close(self):
        shutil.rmtree(self.directory, ignore_errors=True)


def prefix_copy(source, destination, size):
    """The first `size` bytes of `source` (all of it, if shorter) written to `destination`."""
    with open(source, "rb") as reader, open(destination, "wb") as writer:
        remaining = size
        while remaining:
            chunk = reader.read(min(remaining, 1 << 22))
            if not chunk:
                break
            writer.write(chunk)
            remaining -= len(chunk)
    return destination


def truncated_copy(core, destination):
    """The first half of a core, as a crash that filled the disk would leave it."""
    return prefix_copy(core, destination, core.stat().st_size // 2)


@dataclass
class PlainProcess:
    """A non-Python process (sleep 100) for the bad-input tests."""
    process: subprocess.Popen

    @classmethod
    def start(cls):
        return cls(subprocess.Popen(["sleep", "100"], stdin=subprocess.DEVNULL))

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

"""Cores of fixtures/crash/crash.py for test_crash.py: the C extension built per interpreter
against its own headers, and one core per (interpreter, crash kind, writer), where the writer
is the kernel (ulimit -c unlimited, core_pattern `core`), gdb (run under gdb until the signal,
then generate-core-file) or gcore (a debugger's core of the process while it runs)."""

import json
import resource
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from support.extensions import build_extension, interpreter_environment
from support.targets import GCORE_TIMEOUT, REPO, Target, make_core, quiet_environment

CRASH_DIR = REPO / "fixtures" / "crash"
CRASH_PY = CRASH_DIR / "crash.py"
EXTENSION_SOURCE = CRASH_DIR / "crashext.c"
KINDS = ["null_deref", "callback_null_deref", "failed_assert", "stack_overflow", "os_abort",
         "faulthandler_sigsegv"]
RUN_TIMEOUT = 120
READY_TIMEOUT = 60.0
POLL_INTERVAL = 0.01
# x86-64 syscalls a blocked crash.py thread sits in: clock_nanosleep, pselect6, futex
BLOCKED_SYSCALLS = {"230", "270", "202"}


def check_core_pattern():
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern != "core":
        pytest.fail(f"/proc/sys/kernel/core_pattern is {pattern!r}, not 'core': the kernel would "
                    f"not write cores into the test's directory (echo core > "
                    f"/proc/sys/kernel/core_pattern as root)", pytrace=False)


_environment = interpreter_environment


def unlimited_cores():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class CrashCores:
    """Builds crashext once per interpreter and writes cores on demand; each core's directory
    is deleted by `discard` as soon as its test is done with it."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.extensions = {}  # interpreter id -> directory holding crashext for it

    def extension_dir(self, interpreter):
        if interpreter.id not in self.extensions:
            self.extensions[interpreter.id] = self._build_extension(interpreter)
        return self.extensions[interpreter.id]

    def _build_extension(self, interpreter):
        return build_extension(interpreter, EXTENSION_SOURCE, "crashext",
                               self.directory / f"ext-{interpreter.id}")

    def _workdir(self, interpreter, kind, writer):
        workdir = self.directory / f"{interpreter.id}-{kind}-{writer}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        return workdir

    def _command(self, interpreter, kind, workdir):
        return [str(interpreter.executable), str(CRASH_PY), kind, str(workdir / "record.json"),
                str(self.extension_dir(interpreter))]

    def kernel_core(self, interpreter, kind):
        """Runs crash.py with cores enabled; the kernel writes `core` (or core.PID) in its cwd."""
        check_core_pattern()
        workdir = self._workdir(interpreter, kind, "kernel")
        completed = subprocess.run(self._command(interpreter, kind, workdir), cwd=workdir,
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                   timeout=RUN_TIMEOUT, env=_environment(interpreter),
                                   preexec_fn=unlimited_cores)
        record = self._record(workdir, completed.stdout + completed.stderr, completed.args)
        if completed.returncode >= 0:
            pytest.fail(f"crash.py {kind} under {interpreter.id} exited with {completed.returncode} "
                        f"instead of dying of a signal: {completed.stderr[-1000:]}", pytrace=False)
        core = next((path for path in (workdir / "core", workdir / f"core.{record['pid']}")
                     if path.exists()), None)
        if core is None:
            pytest.fail(f"crash.py {kind} under {interpreter.id} died of signal {-completed.returncode} "
                        f"but the kernel wrote no core in {workdir}", pytrace=False)
        return Target("core", interpreter, record, record["pid"], core)

    def gdb_core(self, interpreter, kind):
        """Runs crash.py under gdb until its fatal signal, then has gdb write the core."""
        workdir = self._workdir(interpreter, kind, "gdb")
        core = workdir / "gdb.core"
        # A stripped copy's PYTHONHOME is for the program only: gdb's own Python would take it.
        environment = [part for name, value in interpreter.environment
                       for part in ("-iex", f"set environment {name}={value}")]
        command = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
                   "-iex", "set auto-load no", *environment, "-ex", "run",
                   "-ex", f"generate-core-file {core}", "--args", *self._command(interpreter, kind, workdir)]
        completed = subprocess.run(command, cwd=workdir, stdin=subprocess.DEVNULL, capture_output=True,
                                   text=True, timeout=RUN_TIMEOUT, env=quiet_environment())
        record = self._record(workdir, completed.stdout[-2000:], self._command(interpreter, kind, workdir))
        if not core.exists() or core.stat().st_size == 0:
            pytest.fail(f"gdb wrote no {core}: {completed.stdout[-1500:]}{completed.stderr[-1500:]}",
                        pytrace=False)
        return Target("core", interpreter, record, record["pid"], core)

    def gcore_of_running(self, interpreter):
        """crash.py `none`: records, then every thread blocks; gcore, then kill it."""
        workdir = self._workdir(interpreter, "none", "gcore")
        process = subprocess.Popen(self._command(interpreter, "none", workdir), cwd=workdir,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=_environment(interpreter))
        try:
            record_path = workdir / "record.json"
            self._wait(process, record_path.exists, "never wrote its record")
            record = self._record(workdir, "", process.args)
            self._wait(process, lambda: _all_blocked(process.pid), "threads never all blocked")
            core = make_core(process.pid, workdir / "gcore.core")
        finally:
            process.kill()
            process.wait(timeout=GCORE_TIMEOUT)
        return Target("core", interpreter, record, record["pid"], core)

    @staticmethod
    def _wait(process, condition, what):
        deadline = time.monotonic() + READY_TIMEOUT
        while not condition():
            if process.poll() is not None:
                pytest.fail(f"crash.py none exited with {process.returncode}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"crash.py none {what} after {READY_TIMEOUT:.0f} s", pytrace=False)
            time.sleep(POLL_INTERVAL)

    @staticmethod
    def _record(workdir, output, command):
        """crash.py's record, with the command line that started it."""
        path = workdir / "record.json"
        if not path.exists():
            pytest.fail(f"crash.py wrote no record in {workdir}: {output[-2000:]}", pytrace=False)
        record = json.loads(path.read_text())
        record["command_line"] = " ".join(command)
        return record

    @staticmethod
    def discard(target):
        shutil.rmtree(Path(target.core).parent, ignore_errors=True)

    def close(self):
        shutil.rmtree(self.directory, ignore_errors=True)


def _all_blocked(pid):
    syscalls = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            syscalls.append((task / "syscall").read_text().split()[0])
        except (OSError, IndexError):
            return False
    return len(syscalls) >= 3 and all(number in BLOCKED_SYSCALLS for number in syscalls)

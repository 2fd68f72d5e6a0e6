"""Run gdb, LLDB and the pyxray CLI at a process, timed, and check what they printed.

Every tool runs with a timeout and DEBUGINFOD_URLS empty (no network lookups). A tool that
fails, or prints the wrong number of frames, raises BenchFailure: timings are never checked.
"""

import json
import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import counting
from fixture import BenchFailure

BENCH_DIR = Path(__file__).resolve().parent
GDB_TIMING = BENCH_DIR / "gdb_timing.py"
LLDB_TIMING = BENCH_DIR / "lldb_timing.py"
MARKER = "PYXRAY-BENCH-RESULT "
TOOL_TIMEOUT = 300  # seconds; py-bt at 5,000 frames x 3 takes well under a minute
LLDB = "lldb-16"
GDB_QUIET = ["-nx", "-batch", "-iex", "set debuginfod enabled off"]


@dataclass
class Build:
    root: Path

    @property
    def cli(self):
        return self.root / "bin" / "pyxray"

    @property
    def gdb_script(self):
        return self.root / "gdb" / "pyxray.py"

    @property
    def lldb_plugin(self):
        return self.root / "lldb" / "libpyxray_lldb.so"

    def check(self):
        for path in (self.cli, self.gdb_script, self.lldb_plugin):
            if not path.exists():
                raise BenchFailure(f"no {path}: build pyxray first (`make build`) or pass "
                                   f"--build DIR")


@dataclass
class Timings:
    """Seconds of repeated runs of one command."""
    seconds: list = field(default_factory=list)

    @property
    def median(self):
        return statistics.median(self.seconds)

    @property
    def first(self):
        return self.seconds[0]


def environment(parameters=None):
    variables = dict(os.environ)
    variables["DEBUGINFOD_URLS"] = ""
    if parameters is not None:
        variables["PYXRAY_BENCH"] = json.dumps(parameters)
    return variables


def run_timed(command, parameters=None):
    """(completed process, wall seconds) of one run."""
    command = [str(part) for part in command]
    start = time.perf_counter()
    try:
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                   text=True, errors="replace", timeout=TOOL_TIMEOUT,
                                   env=environment(parameters))
    except subprocess.TimeoutExpired:
        raise BenchFailure(f"timed out after {TOOL_TIMEOUT} s: {' '.join(command)}") from None
    return completed, time.perf_counter() - start


def describe(completed):
    return (f"exit {completed.returncode}\n--- stdout\n{counting.excerpt(completed.stdout, 10, 10)}"
            f"\n--- stderr\n{counting.excerpt(completed.stderr, 10, 10)}")


def session_results(completed, what):
    """The timed results a gdb_timing/lldb_timing snippet printed; a failed command raises."""
    for line in completed.stdout.splitlines():
        if line.startswith(MARKER):
            results = json.loads(line[len(MARKER):])
            break
    else:
        raise BenchFailure(f"{what}: the timing snippet printed no result; {describe(completed)}")
    for result in results:
        if "error" in result:
            raise BenchFailure(f"{what}: {result['error']}")
    return results


def timings_of(results, expected_frames, what):
    """command -> Timings, after checking every run printed `expected_frames` Python frames."""
    timings = {}
    for result in results:
        if result["python_frames"] != expected_frames:
            raise BenchFailure(f"{what}: `{result['command']}` printed {result['python_frames']} "
                               f"Python frames, expected {expected_frames}:\n{result['excerpt']}")
        timings.setdefault(result["command"], Timings()).seconds.append(result["seconds"])
    return timings


def gdb_session(build, helpers, pid, lwp, sequence, expected_frames):
    """One gdb attached to pid; runs `sequence` on thread lwp. (command -> Timings, wall s)."""
    command = ["gdb", *GDB_QUIET, "-p", pid, *helpers, "-ex", f"source {build.gdb_script}",
               "-ex", f"source {GDB_TIMING}"]
    parameters = {"bench_dir": str(BENCH_DIR), "lwp": lwp, "sequence": sequence}
    completed, wall = run_timed(command, parameters)
    what = f"gdb on pid {pid}"
    return timings_of(session_results(completed, what), expected_frames, what), wall


def lldb_command(build, pid):
    return [LLDB, "--no-lldbinit", "-b", "-o", f"process attach -p {pid}",
            "-o", f"plugin load {build.lldb_plugin}",
            "-o", f"command script import {LLDB_TIMING}", "-o", "process detach"]


def lldb_session(build, pid, lwp, sequence, expected_frames):
    """The same in one lldb-16 attached to pid (stops at the first failing command)."""
    command = lldb_command(build, pid)
    parameters = {"bench_dir": str(BENCH_DIR), "lwp": lwp, "sequence": sequence}
    completed, wall = run_timed(command, parameters)
    what = f"lldb on pid {pid}"
    return timings_of(session_results(completed, what), expected_frames, what), wall


def pmp_command(pid):
    """The gdb poor man's profiler: every thread's native backtrace."""
    return ["gdb", *GDB_QUIET, "-p", pid, "-ex", "thread apply all bt"]


def gdb_all_threads_bt(pid, thread_ids):
    """Wall seconds of one `thread apply all bt`, checked to cover every thread."""
    completed, wall = run_timed(pmp_command(pid))
    printed = counting.gdb_bt_threads(completed.stdout)
    if printed != thread_ids:
        raise BenchFailure(f"gdb `thread apply all bt` on pid {pid} printed threads {printed}, "
                           f"expected {thread_ids}; {describe(completed)}")
    return wall


def cli_command(build, pid, flags=()):
    return [build.cli, "xbt", "--pid", pid, *flags]


def cli_xbt(build, pid, thread_ids, deep_tid, expected_frames, flags=()):
    """Wall seconds of one `pyxray xbt --pid`, checked: every thread, the deep one complete."""
    completed, wall = run_timed(cli_command(build, pid, flags))
    what = f"`{' '.join(['pyxray xbt --pid', str(pid), *flags])}`"
    if completed.returncode != 0:
        raise BenchFailure(f"{what} failed: {describe(completed)}")
    counts = counting.xbt_frames_by_thread(completed.stdout)
    if sorted(counts) != thread_ids:
        raise BenchFailure(f"{what} printed threads {sorted(counts)}, expected {thread_ids}")
    if counts[deep_tid] != expected_frames:
        raise BenchFailure(f"{what} printed {counts[deep_tid]} Python frames for thread "
                           f"{deep_tid}, expected {expected_frames}")
    return wall

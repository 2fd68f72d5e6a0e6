#!/usr/bin/python3
"""pyxray's speed against CPython's own py-bt and gdb's backtraces, on deep Python stacks.

For each interpreter and depth it starts fixtures/stacks.py with a recursion thread that deep,
then (1) in ONE gdb session attached to it, times CPython's `py-bt` and pyxray's
`py-xbt --python-only` on that thread, alternated; (2) times whole runs of gdb's
`thread apply all bt` against `pyxray xbt --pid`; (3) at 100,000 frames, times pyxray in gdb,
LLDB and the CLI. Every output's Python frame count is checked; timings never are. Exit status
1 if any command failed or printed the wrong number of frames.

Run with /usr/bin/python3 (standard library only); see bench/README.md.
"""

import argparse
import math
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tools
from fixture import REPO, BenchFailure, Fixture
from report import ComparisonRow, DeepRow, Report, load_average, results_markdown, tables

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PY_BT = "py-bt"
PY_XBT = "py-xbt --python-only"
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))


@dataclass
class Interpreter:
    name: str
    label: str
    executable: Path
    gdb_helpers: list  # gdb arguments that make CPython's py-bt available

    def check(self):
        if not self.executable.exists():
            raise BenchFailure(f"no {self.executable} (the {self.name} interpreter)")
        for argument in self.gdb_helpers:
            if argument.startswith("source ") and not Path(argument[7:]).exists():
                raise BenchFailure(f"no {argument[7:]} (CPython's gdb helpers for {self.name})")


def interpreters():
    pyenv_bin = PYENV_ROOT / "versions" / "3.11.7" / "bin"
    return {
        # gdb auto-loads /usr/share/gdb/auto-load/usr/bin/python3.11-gdb.py (python3.11-dbg)
        "debian": Interpreter("debian", "Debian 3.11.2", Path("/usr/bin/python3.11"), []),
        "pyenv": Interpreter("pyenv", "pyenv 3.11.7", pyenv_bin / "python3.11",
                             ["-ex", f"source {pyenv_bin / 'python3.11-gdb.py'}"]),
    }


def alternated(py_bt_runs, py_xbt_runs):
    """py-xbt first in each round, so its first call pays the session's cold costs."""
    per_round = math.ceil(py_xbt_runs / py_bt_runs)
    sequence = []
    for _ in range(py_bt_runs):
        sequence += [PY_XBT] * per_round + [PY_BT]
    return sequence


def progress(message):
    print(message, file=sys.stderr, flush=True)


def compare(options, build, interpreter, depth, workdir):
    """One ComparisonRow: py-bt vs py-xbt in one gdb session, then gdb bt vs the CLI."""
    row = ComparisonRow(interpreter, depth)
    with Fixture(interpreter.executable, depth, workdir) as fixture:
        lwp, row.frames = fixture.deep_thread()
        progress(f"{interpreter.name} {depth}: pid {fixture.pid}, one gdb session "
                 f"({options.py_bt_runs} py-bt, {options.py_xbt_runs} py-xbt)")
        timings, row.session_wall = tools.gdb_session(
            build, interpreter.gdb_helpers, fixture.pid, lwp,
            alternated(options.py_bt_runs, options.py_xbt_runs), row.frames)
        row.py_bt, row.py_xbt = timings[PY_BT], timings[PY_XBT]
        progress(f"{interpreter.name} {depth}: gdb `thread apply all bt` and `pyxray xbt`, "
                 f"{options.wall_runs} each")
        row.gdb_bt, row.cli = tools.Timings(), tools.Timings()
        for _ in range(options.wall_runs):
            row.gdb_bt.seconds.append(tools.gdb_all_threads_bt(fixture.pid, fixture.thread_ids()))
            row.cli.seconds.append(tools.cli_xbt(build, fixture.pid, fixture.thread_ids(), lwp,
                                                 row.frames))
    return row


def deep(options, build, interpreter, workdir):
    """One DeepRow: the --deep stack through gdb, LLDB and the CLI."""
    row = DeepRow(interpreter, options.deep)
    with Fixture(interpreter.executable, options.deep, workdir) as fixture:
        lwp, row.frames = fixture.deep_thread()
        sequence = [PY_XBT] * options.deep_runs
        progress(f"{interpreter.name} {options.deep}: pid {fixture.pid}, gdb, lldb, cli")
        timings, row.gdb_wall = tools.gdb_session(build, [], fixture.pid, lwp, sequence,
                                                  row.frames)
        row.gdb = timings[PY_XBT]
        timings, row.lldb_wall = tools.lldb_session(build, fixture.pid, lwp, sequence,
                                                    row.frames)
        row.lldb = timings[PY_XBT]
        row.cli = tools.Timings([tools.cli_xbt(build, fixture.pid, fixture.thread_ids(), lwp,
                                               row.frames, ["--python-only"])
                                 for _ in range(options.deep_runs)])
    return row


def measured(function, row_type, interpreter, depth, *arguments):
    """The row, or a row carrying the failure (the other measurements still run)."""
    try:
        return function(*arguments)
    except BenchFailure as failure:
        progress(f"FAILED: {failure}")
        return row_type(interpreter, depth, error=str(failure).splitlines()[0])


def fixture_command(interpreter):
    return shlex.join([str(interpreter.executable), "fixtures/stacks.py", "--depth", "N",
                       "--record", "record.json", "--ready", "ready"])


def gdb_session_command(build, helpers=()):
    return shlex.join(["gdb", *tools.GDB_QUIET, "-p", "PID", *helpers,
                       "-ex", f"source {build.gdb_script}", "-ex", f"source {tools.GDB_TIMING}"])


def commands_used(options, build):
    """The commands run, with PID and LWP for the fixture's process and deep thread."""
    lines = [f"# {interpreter.label}: {fixture_command(interpreter)}"
             for interpreter in options.chosen]
    for interpreter in options.chosen:
        helpers = "sourced" if interpreter.gdb_helpers else "auto-loaded from python3.11-dbg"
        lines += [f"# {interpreter.label}, one gdb session, CPython's py-bt {helpers}",
                  gdb_session_command(build, interpreter.gdb_helpers)]
    per_round = math.ceil(options.py_xbt_runs / options.py_bt_runs)
    lines += [f"    in gdb, thread LWP: {options.py_bt_runs} x ({PY_XBT} x{per_round}, {PY_BT})",
              shlex.join(map(str, tools.pmp_command("PID"))),
              shlex.join(map(str, tools.cli_command(build, "PID")))]
    if options.deep:
        lines += [f"# {options.deep:,} frames",
                  gdb_session_command(build),
                  f"    in gdb, thread LWP: {PY_XBT} x{options.deep_runs}",
                  shlex.join(map(str, tools.lldb_command(build, "PID"))),
                  f"    in lldb, thread LWP: {PY_XBT} x{options.deep_runs}",
                  shlex.join(map(str, tools.cli_command(build, "PID", ["--python-only"])))]
    return [line.replace(f"{REPO}/", "") for line in lines]


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_build = os.environ.get("PYXRAY_BUILD", str(REPO / "build"))
    parser.add_argument("--build", default=default_build,
                        help="pyxray build directory (default $PYXRAY_BUILD or build/)")
    parser.add_argument("--write", action="store_true", help=f"rewrite {RESULTS.name}")
    parser.add_argument("--interpreters", default="debian,pyenv",
                        help="comma-separated, from: debian, pyenv (default both)")
    parser.add_argument("--depths", default="1000,5000", help="default %(default)s")
    parser.add_argument("--deep", type=int, default=100_000,
                        help="depth for the three front-ends, 0 to skip (default %(default)s)")
    parser.add_argument("--py-bt-runs", type=int, default=3)
    parser.add_argument("--py-xbt-runs", type=int, default=9)
    parser.add_argument("--wall-runs", type=int, default=3)
    parser.add_argument("--deep-runs", type=int, default=3)
    options = parser.parse_args(argv)
    known = interpreters()
    names = options.interpreters.split(",")
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f"unknown interpreter {', '.join(unknown)}; choose from {', '.join(known)}")
    options.chosen = [known[name] for name in names]
    options.depth_list = [int(depth) for depth in options.depths.split(",")]
    if min(options.py_bt_runs, options.py_xbt_runs, options.wall_runs, options.deep_runs) < 1:
        parser.error("every --*-runs must be at least 1")
    return options


def run(options, build, workroot):
    report = Report(commands=commands_used(options, build), load_averages=[load_average()])
    for interpreter in options.chosen:
        for depth in options.depth_list:
            workdir = workroot / f"{interpreter.name}-{depth}"
            report.comparisons.append(measured(compare, ComparisonRow, interpreter, depth,
                                               options, build, interpreter, depth, workdir))
    if options.deep:
        for interpreter in options.chosen:
            workdir = workroot / f"{interpreter.name}-{options.deep}"
            report.deep.append(measured(deep, DeepRow, interpreter, options.deep,
                                        options, build, interpreter, workdir))
    report.load_averages.append(load_average())
    return report


def main(argv):
    options = parse_arguments(argv)
    build = tools.Build(Path(options.build).resolve())
    try:
        build.check()
        for interpreter in options.chosen:
            interpreter.check()
    except BenchFailure as failure:
        print(f"bench: {failure}", file=sys.stderr)
        return 1
    workroot = Path(tempfile.mkdtemp(prefix="pyxray-bench."))
    try:
        report = run(options, build, workroot)
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
    print(tables(report))
    if options.write:
        invocation = shlex.join(["/usr/bin/python3", "bench/run.py", *argv])
        RESULTS.write_text(results_markdown(report, REPO, build.root, invocation))
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

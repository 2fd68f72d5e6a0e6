"""The bench's figures as Markdown tables: printed by run.py, and written to RESULTS.md."""

import datetime
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

FLOOR_DEPTH = 5000
FLOOR_RATIO = 50.0


@dataclass
class ComparisonRow:
    """py-bt against py-xbt in one gdb session, and gdb's bt against the CLI, on one process."""
    interpreter: object
    depth: int
    frames: int = 0
    py_bt: object = None  # tools.Timings
    py_xbt: object = None
    session_wall: float = 0.0
    gdb_bt: object = None
    cli: object = None
    error: str = ""


@dataclass
class DeepRow:
    """A very deep stack through all three front-ends."""
    interpreter: object
    depth: int
    frames: int = 0
    gdb: object = None
    gdb_wall: float = 0.0
    lldb: object = None
    lldb_wall: float = 0.0
    cli: object = None
    error: str = ""


@dataclass
class Report:
    comparisons: list = field(default_factory=list)
    deep: list = field(default_factory=list)
    commands: list = field(default_factory=list)
    load_averages: list = field(default_factory=list)  # /proc/loadavg at start and end

    def failures(self):
        return [row for row in self.comparisons + self.deep if row.error]


def seconds(value):
    if value is None:
        return "-"
    if value < 1.0:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def spread(timings):
    """median [min-max] xN"""
    if timings is None:
        return "-"
    values = timings.seconds
    if len(values) == 1:
        return seconds(values[0])
    low, high = seconds(min(values)), seconds(max(values))
    return f"{seconds(timings.median)} [{low}-{high}] x{len(values)}"


def ratio(slow, fast):
    if slow is None or fast is None or fast.median <= 0:
        return "-"
    return f"{slow.median / fast.median:,.0f}x"


def cold_ratio(row):
    return f"{row.py_bt.median / row.py_xbt.first:,.0f}x"


def floor_note(row):
    if row.depth != FLOOR_DEPTH or row.py_bt is None:
        return ""
    met = row.py_bt.median / row.py_xbt.median >= FLOOR_RATIO
    return f" (floor {FLOOR_RATIO:.0f}x: {'met' if met else 'NOT met'})"


def comparison_table(rows):
    lines = ["| interpreter | Python frames | CPython `py-bt` | pyxray `py-xbt --python-only` "
             "| py-xbt first call | py-bt / py-xbt |",
             "|---|---:|---|---|---:|---|"]
    for row in rows:
        if row.error:
            lines.append(f"| {row.interpreter.label} | {row.depth:,} deep | FAILED | | | |")
            continue
        lines.append(f"| {row.interpreter.label} | {row.frames:,} | {spread(row.py_bt)} | "
                     f"{spread(row.py_xbt)} | {seconds(row.py_xbt.first)} | "
                     f"**{ratio(row.py_bt, row.py_xbt)}**{floor_note(row)}; "
                     f"{cold_ratio(row)} against py-xbt's first call |")
    return lines


def wall_table(rows):
    lines = ["| interpreter | Python frames | `gdb -p PID -batch -ex 'thread apply all bt'` "
             "| `pyxray xbt --pid PID` | gdb / pyxray |",
             "|---|---:|---|---|---:|"]
    for row in rows:
        if row.error:
            lines.append(f"| {row.interpreter.label} | {row.depth:,} deep | FAILED | | |")
            continue
        lines.append(f"| {row.interpreter.label} | {row.frames:,} | {spread(row.gdb_bt)} | "
                     f"{spread(row.cli)} | {ratio(row.gdb_bt, row.cli)} |")
    return lines


def deep_table(rows):
    lines = ["| interpreter | Python frames, all decoded | gdb `py-xbt --python-only` "
             "(gdb run, wall) | LLDB `py-xbt --python-only` (lldb run, wall) "
             "| `pyxray xbt --pid PID --python-only` (wall) |",
             "|---|---:|---|---|---|"]
    for row in rows:
        if row.error:
            lines.append(f"| {row.interpreter.label} | {row.depth:,} deep | FAILED | | |")
            continue
        lines.append(f"| {row.interpreter.label} | {row.frames:,} | {spread(row.gdb)} "
                     f"({seconds(row.gdb_wall)}) | {spread(row.lldb)} ({seconds(row.lldb_wall)}) "
                     f"| {spread(row.cli)} |")
    return lines


def summary(report):
    """The issue's floor and the 100,000-frame check, in words."""
    lines = []
    floor_rows = [row for row in report.comparisons if row.depth == FLOOR_DEPTH and not row.error]
    for row in floor_rows:
        met = row.py_bt.median / row.py_xbt.median >= FLOOR_RATIO
        lines.append(f"- {row.interpreter.label}, {row.frames:,} frames: `py-xbt` "
                     f"{ratio(row.py_bt, row.py_xbt)} faster than `py-bt` (medians; "
                     f"{cold_ratio(row)} against its first call): the {FLOOR_RATIO:.0f}x floor "
                     f"is {'met' if met else 'NOT met'}.")
    for row in report.deep:
        if not row.error:
            lines.append(f"- {row.interpreter.label}: all {row.frames:,} Python frames of the "
                         f"deep thread decoded by gdb, LLDB and the CLI, every run.")
    return lines


def tables(report):
    lines = ["### CPython's `py-bt` against `py-xbt --python-only`, one gdb session, deep thread",
             "", *comparison_table(report.comparisons), "",
             "### Whole-process wall time: gdb's `thread apply all bt` against the pyxray CLI",
             "", *wall_table(report.comparisons), ""]
    if report.deep:
        lines += ["### A 100,000-frame stack in the three front-ends", "",
                  *deep_table(report.deep), ""]
    for row in report.failures():
        lines += [f"FAILED ({row.interpreter.name}, {row.depth:,} frames): {row.error}", ""]
    return "\n".join(lines)


def command_output(command):
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return completed.stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return f"({command[0]} unavailable)"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "(unknown)"


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "(unknown)"


def busy_note(load_averages, cores):
    """Other work on the machine makes the figures noisy: say so when it was there."""
    try:
        busiest = max(float(load.split()[0]) for load in load_averages)
    except (ValueError, IndexError):
        return ""
    if busiest <= cores:
        return ""
    return f" (above the {cores} CPUs: other work was running; expect noise)"


def build_type(build_root):
    try:
        for line in (Path(build_root) / "CMakeCache.txt").read_text().splitlines():
            if line.startswith("CMAKE_BUILD_TYPE:"):
                return line.split("=", 1)[1] or "default"
    except OSError:
        pass
    return "unknown"


def machine_lines(repo, build_root, load_averages):
    cores = sum(1 for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("processor"))
    commit = command_output(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"])
    if command_output(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no",
                       "--", "common", "cli", "gdb-plugin", "lldb-plugin"]).strip():
        commit += " plus uncommitted changes to the sources"
    return [f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            f"- `uname -a`: `{command_output(['uname', '-a'])}`",
            f"- CPU: {cpu_model()}, {cores} logical CPUs",
            f"- gdb: {command_output(['gdb', '--version'])}; LLDB: "
            f"{command_output(['lldb-16', '--version'])}",
            f"- Load average (1, 5, 15 min) at start and end: {' / '.join(load_averages)}"
            f"{busy_note(load_averages, cores)}",
            f"- pyxray: commit {commit}, {build_type(build_root)} build"]


def results_markdown(report, repo, build_root, invocation):
    return "\n".join([
        "# Bench results", "",
        f"Written by `{invocation}`; README.md says what each figure measures. Times are "
        "median [min-max] xN repetitions; every run's frame count was checked.", "",
        "## Machine", "", *machine_lines(repo, build_root, report.load_averages), "",
        "## Summary", "", *summary(report), "",
        "## Figures", "", tables(report),
        "## Commands", "",
        "PID is the fixture (`fixtures/stacks.py --depth N`), LWP its `deep` thread from the "
        "fixture's record; the in-session commands run in that order, each timed with "
        "`time.perf_counter()` around `gdb.execute(command, to_string=True)` (LLDB: "
        "`SBCommandInterpreter.HandleCommand`).", "",
        "```", *report.commands, "```", ""])

"""The end-of-run matrix: interpreter x front-end x mode -> passed / failed / not available,
with the reason for every cell that is not available."""

import re
from collections import defaultdict

import pytest

from support.stripped import display_name, split_id


def cell_of(item):
    """(interpreter, front-end, mode) of a matrix test, or None for the others."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "interp_id" not in callspec.params:
        return None
    params = callspec.params
    marker = item.get_closest_marker("matrix")
    defaults = marker.kwargs if marker else {}
    frontend = params.get("frontend", defaults.get("frontend", "?"))
    mode = params.get("mode", defaults.get("mode", "?"))
    return params["interp_id"], frontend, mode


class MatrixSummary:
    def __init__(self):
        self.cells = {}  # nodeid -> cell
        self.outcomes = {}  # nodeid -> "passed" | "failed" | "skipped"
        self.skip_reasons = defaultdict(set)  # (interpreter, front-end) -> reasons

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        for item in items:
            cell = cell_of(item)
            if cell is not None:
                self.cells[item.nodeid] = cell

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.cells or self.outcomes.get(report.nodeid) == "failed":
            return
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped:
            self.outcomes[report.nodeid] = "skipped"
            self.skip_reasons[self.cells[report.nodeid][:2]].add(_skip_reason(report))
        elif report.when == "call":
            self.outcomes[report.nodeid] = "passed"

    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes:
            return
        tally = defaultdict(lambda: defaultdict(int))
        for nodeid, outcome in self.outcomes.items():
            tally[self.cells[nodeid]][outcome] += 1
        rows = sorted({cell[:2] for cell in tally}, key=_row_order)
        modes = sorted({cell[2] for cell in tally}, key=_mode_order)
        table = [["interpreter", "front-end", *modes]]
        for interpreter, frontend in rows:
            table.append([display_name(interpreter), frontend,
                          *(_verdict(tally.get((interpreter, frontend, mode))) for mode in modes)])
        widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
        terminalreporter.write_sep("=", "pyxray matrix (tests passed / failed / not available)")
        for row in table:
            terminalreporter.write_line(
                "  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
        terminalreporter.write_line("('-': the row has no test of that mode; live-deep and core-deep: the "
                                    "10,000+ frame stack, agree the three front-ends compared)")
        for (interpreter, frontend), reasons in sorted(self.skip_reasons.items(),
                                                       key=lambda item: _row_order(item[0])):
            for reason in sorted(reasons):
                terminalreporter.write_line(
                    f"not available: {display_name(interpreter)} {frontend}: {reason}")


def _skip_reason(report):
    """pytest keeps a skip as (file, line, 'Skipped: reason')."""
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


INTERPRETER_ORDER = ["pyenv", "debian"]
FRONTEND_ORDER = ["gdb", "gdb-nodebuginfo", "lldb", "cli", "agree"]
MODE_ORDER = ["live", "core"]


def _position(order, value):
    return (order.index(value), "") if value in order else (len(order), value)


def _row_order(row):
    """By version, pyenv's before Debian's, each interpreter's stripped copy right after it."""
    original, is_stripped = split_id(row[0])
    version = tuple(int(part) for part in re.findall(r"\d+", original))
    source = original.split("-", 1)[0]
    return (version, _position(INTERPRETER_ORDER, source), original, is_stripped,
            _position(FRONTEND_ORDER, row[1]))


def _mode_order(mode):
    return _position(MODE_ORDER, mode)


def _verdict(counts):
    if not counts:
        return "-"
    passed, failed, skipped = (counts.get(name, 0) for name in ("passed", "failed", "skipped"))
    total = passed + failed + skipped
    if failed:
        return f"FAILED {failed}/{total}"
    if passed == total:
        return f"passed {passed}"
    if skipped == total:
        return f"n/a {skipped}"
    return f"{passed} ok {skipped} n/a"

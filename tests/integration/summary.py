"""The end-of-run matrix: interpreter x front-end x live/core -> passed / failed / skipped."""

from collections import defaultdict

import pytest


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
        elif report.when == "call":
            self.outcomes[report.nodeid] = "passed"

    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes:
            return
        tally = defaultdict(lambda: defaultdict(int))
        for nodeid, outcome in self.outcomes.items():
            tally[self.cells[nodeid]][outcome] += 1
        interpreters = sorted({cell[0] for cell in tally}, key=_first_seen(self.cells, 0))
        columns = sorted({cell[1:] for cell in tally}, key=_first_seen(self.cells, 1, 2))
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", "pyxray matrix (tests passed / failed / skipped)")
        width = max(len(name) for name in interpreters) + 2
        header = "".join(f"{frontend + ' ' + mode:>22}" for frontend, mode in columns)
        write(" " * width + header)
        for interpreter in interpreters:
            row = "".join(f"{_verdict(tally.get((interpreter, *column))):>22}"
                          for column in columns)
            write(f"{interpreter:<{width}}{row}")


def _first_seen(cells, *positions):
    order = {}
    for cell in cells.values():
        key = tuple(cell[position] for position in positions)
        order.setdefault(key, len(order))
    if len(positions) == 1:
        return lambda value: order.get((value,), len(order))
    return lambda value: order.get(tuple(value), len(order))


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
        return f"skipped {skipped}"
    return f"{passed} ok {skipped} skip"

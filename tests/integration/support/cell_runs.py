"""One fixture process per interpreter, shared by a test module's cells (interpreter, front-end,
mode): on a cell's first use, the interpreter's process is started, every selected live cell
run, then a gcore core made, the process stopped, every core cell run and the core deleted.
Results (or the tool's failure) are kept for the module's tests; one process alive at a time."""

from support import interpreters
from support.drivers import ToolFailure
from support.targets import Target, make_core


class CellRuns:
    """`start(interpreter, workdir)` gives a fixture process (FixtureProcess's interface);
    `run_cell(frontend, target, extras)` runs one cell, raising ToolFailure for a tool's failure."""

    def __init__(self, directory, wanted, start, run_cell):
        self.directory = directory
        self.wanted = wanted  # interpreter id -> {(frontend, mode): extras}
        self.start = start
        self.run_cell = run_cell
        self.collected = {}  # interpreter id -> {"record", (frontend, mode) -> result} or failure

    def get(self, cell):
        """(the fixture's record, the cell's result)."""
        interpreter_id, frontend, mode = cell
        runs = self.collected.get(interpreter_id)
        if runs is None:
            try:
                runs = self._collect(interpreters.find(interpreter_id), self.wanted[interpreter_id])
            except BaseException as failure:  # pytest.fail's outcome, a skip, a timeout
                runs = failure
            self.collected[interpreter_id] = runs
        if isinstance(runs, BaseException):
            raise runs
        result = runs[(frontend, mode)]
        if isinstance(result, ToolFailure):
            raise ToolFailure(str(result))
        return runs["record"], result

    def _collect(self, interpreter, wanted):
        process = self.start(interpreter, self.directory / interpreter.id)
        core_path = process.workdir / "core"
        try:
            record = process.wait_until_blocked()
            runs = {"record": record}
            live = Target("live", interpreter, record, process.pid)
            for (frontend, mode), extras in sorted(wanted.items()):
                if mode == "live":
                    runs[(frontend, mode)] = self._attempt(frontend, live, extras)
            if any(mode == "core" for _, mode in wanted):
                core = Target("core", interpreter, record, process.pid, make_core(process.pid, core_path))
                process.stop()
                for (frontend, mode), extras in sorted(wanted.items()):
                    if mode == "core":
                        runs[(frontend, mode)] = self._attempt(frontend, core, extras)
            return runs
        finally:
            process.stop()
            core_path.unlink(missing_ok=True)  # 160 MB; 1.2 GB for 3.13t

    def _attempt(self, frontend, target, extras):
        try:
            return self.run_cell(frontend, target, extras)
        except ToolFailure as failure:
            return failure


def selected_cells(items, module_name, extras_of):
    """interpreter id -> {(frontend, mode): extras} of the module's tests the run selected;
    `extras_of(item)` names what a test needs beyond the cell's plain run."""
    wanted = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        if item.module.__name__ != module_name or callspec is None or "cell" not in callspec.params:
            continue
        interpreter_id, frontend, mode = callspec.params["cell"]
        cells = wanted.setdefault(interpreter_id, {})
        cells.setdefault((frontend, mode), set()).update(extras_of(item))
    return wanted

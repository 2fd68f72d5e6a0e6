"""pytest set-up for the integration tests: the matrix, the targets, and a summary at the end.

Run from the repository root with `/usr/bin/python3 -m pytest tests/integration -q -rs`.
The build is `build/` at the repository root, or $PYXRAY_BUILD. Set CI=true to make missing
interpreters fail instead of skip.
"""

import re

import pytest

from support import interpreters
from support import stripped
from support import summary
from support.drivers import FRONTENDS, GDB_WITHOUT_DEBUG_INFO
from support.targets import CoreTargets, LiveTargets

MODES = ["live", "core"]


def frontends_for(interpreter_id):
    """Every front-end; plus gdb with debug info hidden on Debian's python3.11, which has
    separate debug info to hide (python3.11-dbg), to prove decoding needs none."""
    if interpreter_id == "debian-3.11":
        return FRONTENDS + [GDB_WITHOUT_DEBUG_INFO]
    return list(FRONTENDS)


def matrix_ids():
    """Every interpreter as installed, then a stripped copy of each (stripped.py)."""
    return interpreters.INTERPRETER_IDS + [stripped.stripped_id(interpreter_id)
                                           for interpreter_id in interpreters.INTERPRETER_IDS]


def matrix_cells():
    return [(interpreter_id, frontend, mode)
            for interpreter_id in matrix_ids()
            for frontend in frontends_for(interpreter_id)
            for mode in MODES]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "matrix(frontend, mode): where a test parametrised by interpreter only "
        "counts in the end-of-run matrix")
    config.addinivalue_line(
        "markers", "python_since(minor): the test only exists for CPython 3.MINOR and later "
        "(the feature it checks is absent before)")
    config.addinivalue_line(
        "markers", "frontends(*names): the test only exists for these front-ends (a command "
        "the others do not have); gdb covers gdb-nodebuginfo")
    config.pluginmanager.register(summary.MatrixSummary(), "pyxray-matrix-summary")


def minor_version(interpreter_id):
    found = re.search(r"3\.(\d+)", interpreter_id)
    return int(found.group(1)) if found else None


def applies(metafunc, interpreter_id):
    """Whether a test marked python_since(MINOR) applies to this interpreter at all."""
    marker = metafunc.definition.get_closest_marker("python_since")
    if marker is None:
        return True
    minor = minor_version(interpreter_id)
    return minor is not None and minor >= marker.args[0]


def has_frontend(metafunc, frontend):
    """Whether a test marked frontends(...) exists for this front-end at all."""
    marker = metafunc.definition.get_closest_marker("frontends")
    if marker is None:
        return True
    return frontend in marker.args or (frontend == GDB_WITHOUT_DEBUG_INFO and "gdb" in marker.args)


def pytest_generate_tests(metafunc):
    wanted = [name for name in ("interp_id", "frontend", "mode") if name in metafunc.fixturenames]
    if wanted == ["interp_id", "frontend", "mode"]:
        cells = [cell for cell in matrix_cells()
                 if applies(metafunc, cell[0]) and has_frontend(metafunc, cell[1])]
        metafunc.parametrize(wanted, cells, ids=["-".join(cell) for cell in cells])
    elif wanted == ["interp_id", "frontend"]:
        pairs = [cell[:2] for cell in matrix_cells() if cell[2] == MODES[0]]
        metafunc.parametrize(wanted, pairs, ids=["-".join(pair) for pair in pairs])
    elif wanted == ["interp_id", "mode"]:
        # One front-end's own tests (marked matrix(frontend=...)), on every target.
        pairs = [(cell[0], cell[2]) for cell in matrix_cells()
                 if cell[1] == FRONTENDS[0] and applies(metafunc, cell[0])]
        metafunc.parametrize(wanted, pairs, ids=["-".join(pair) for pair in pairs])
    elif wanted == ["interp_id"]:
        metafunc.parametrize("interp_id", matrix_ids())
    elif wanted:
        raise pytest.UsageError(f"{metafunc.function.__name__}: parametrise by interp_id, by "
                                f"interp_id and frontend or mode, or by all three (got {wanted})")


def pytest_sessionfinish(session, exitstatus):
    stripped.cleanup()


@pytest.fixture(scope="module")
def live_targets(tmp_path_factory):
    """One running stacks.py per interpreter for this module, killed and reaped at its end."""
    targets = LiveTargets(tmp_path_factory.mktemp("live"))
    yield targets
    targets.close()


@pytest.fixture(scope="session")
def core_targets(tmp_path_factory):
    """One gcore core per interpreter for the whole run, shared by the three front-ends;
    deleted at the end (a core is about 220 MB)."""
    targets = CoreTargets(tmp_path_factory.mktemp("cores"))
    yield targets
    targets.close()


@pytest.fixture
def interpreter(interp_id):
    return interpreters.find(interp_id)


@pytest.fixture
def target(interpreter, mode, live_targets, core_targets):
    if mode == "live":
        return live_targets.get(interpreter)
    return core_targets.get(interpreter)


@pytest.fixture
def core_target(interpreter, core_targets):
    return core_targets.get(interpreter)


@pytest.fixture
def any_live_target(live_targets):
    """A live stacks.py on the first interpreter of the matrix that is installed."""
    return live_targets.get(first_installed())


@pytest.fixture
def any_core_target(core_targets):
    return core_targets.get(first_installed())


def first_installed():
    reasons = []
    for interpreter_id in interpreters.INTERPRETER_IDS:
        try:
            return interpreters.find(interpreter_id)
        except pytest.skip.Exception as skipped:
            reasons.append(str(skipped))
    pytest.skip("no interpreter of the matrix is installed: " + "; ".join(reasons))

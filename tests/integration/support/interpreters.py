"""The interpreter matrix: which CPython builds the integration tests run fixtures/stacks.py on.

Under CI (CI=true) a missing interpreter fails the tests that need it; elsewhere they are
skipped with a reason that says what was looked for.
"""

import glob
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import stripped

PYENV_VERSIONS = Path(os.path.expanduser("~/.pyenv/versions"))


@dataclass(frozen=True)
class Interpreter:
    id: str
    executable: Path
    debian: bool  # Debian's /usr/bin/python3.11*: stripped, debug info from python3.11-dbg
    environment: tuple = ()  # (name, value) pairs to run it with (stripped copies: PYTHONHOME)
    libraries: tuple = ()  # the libpython it must map (stripped copies: the stripped one)


def _pyenv(minor):
    """The newest ~/.pyenv/versions/3.MINOR.*/bin/python3.MINOR, or None."""
    pattern = str(PYENV_VERSIONS / f"3.{minor}.*" / "bin" / f"python3.{minor}")
    found = [Path(path) for path in glob.glob(pattern) if os.access(path, os.X_OK)]
    if not found:
        return None, f"no {pattern}"
    return max(found, key=_version_key), None


def _version_key(path):
    version = path.parent.parent.name  # .../versions/3.11.7/bin/python3.11
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _system(path):
    if os.access(path, os.X_OK):
        return Path(path), None
    return None, f"no {path} (Debian packages python3.11 / python3.11-dbg)"


REPO = Path(__file__).resolve().parents[3]
BUILT_BY_RECIPE = REPO / "fixtures" / "interpreters" / "build.sh"


def _from_source(name):
    """An interpreter fixtures/interpreters/build.sh built from Debian's source packages."""
    try:
        listing = subprocess.run([str(BUILT_BY_RECIPE), "--list"], capture_output=True, text=True,
                                 timeout=60, check=False).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{BUILT_BY_RECIPE} --list failed: {error}"
    for line in listing.splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[0] == name and os.access(parts[1], os.X_OK):
            return Path(parts[1]), None
    return None, f"{name} is not built (run `make interpreters`)"


# id -> (lookup, debian?). debian-3.13t is the free-threaded build (--disable-gil, python3.13t).
_MATRIX = {
    "pyenv-3.8": (lambda: _pyenv(8), False),
    "pyenv-3.9": (lambda: _pyenv(9), False),
    "pyenv-3.10": (lambda: _pyenv(10), False),
    "pyenv-3.11": (lambda: _pyenv(11), False),
    "pyenv-3.12": (lambda: _pyenv(12), False),
    "pyenv-3.13": (lambda: _pyenv(13), False),
    "debian-3.11": (lambda: _system("/usr/bin/python3.11"), True),
    "debian-3.11d": (lambda: _system("/usr/bin/python3.11d"), True),
    "debian-3.9": (lambda: _from_source("debian-3.9"), False),
    "debian-3.13": (lambda: _from_source("debian-3.13"), False),
    "debian-3.13t": (lambda: _from_source("debian-3.13t"), False),
}

INTERPRETER_IDS = list(_MATRIX)


def under_ci():
    return os.environ.get("CI", "").lower() == "true"


def find(interpreter_id):
    """The interpreter, or pytest.fail (CI) / pytest.skip (elsewhere) saying what is missing.
    An id ending in stripped.SUFFIX is a stripped copy of the interpreter named before it."""
    original, is_stripped = stripped.split_id(interpreter_id)
    if is_stripped:
        return stripped.copy_of(find(original))
    lookup, debian = _MATRIX[interpreter_id]
    executable, missing = lookup()
    if executable is not None:
        return Interpreter(interpreter_id, executable, debian)
    reason = f"interpreter {interpreter_id} not installed: {missing}"
    if under_ci():
        pytest.fail(f"{reason} (required under CI=true; run scripts/install-deps.sh)",
                    pytrace=False)
    pytest.skip(reason)

"""Stripped copies of the matrix's interpreters: the "stripped" dimension of the matrix.

For each interpreter, its executable (and libpython, when the build is shared) is copied into a
temporary directory made once per session and `strip --strip-all`ed: .symtab and DWARF are gone,
.dynsym (the exported symbols such as _PyRuntime and Py_Version) stays, as in any distribution's
stripped binaries. The copy runs with PYTHONHOME = the original prefix (its standard library)
and LD_LIBRARY_PATH = the copy's lib directory; targets.py checks that the stripped libpython is
the one the process mapped.
"""

import atexit
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

SUFFIX = "-stripped"
STRIP_TIMEOUT = 120

_DESCRIBE = ("import json, sys, sysconfig; print(json.dumps("
             "{'prefix': sys.prefix, 'libdir': sysconfig.get_config_var('LIBDIR')}))")
# Debian's python3.11 is linked statically although its sysconfig says Py_ENABLE_SHARED (for
# the separate libpython3.11.so): what the executable needs is what the loader loads.
_NEEDED_LIBPYTHON = re.compile(r"\(NEEDED\)\s+Shared library: \[(libpython[^\]]+)\]")

_directory = None
_copies = {}  # original interpreter id -> stripped Interpreter


def stripped_id(interpreter_id):
    return interpreter_id + SUFFIX


def split_id(interpreter_id):
    """(original id, stripped?) for a matrix id."""
    if interpreter_id.endswith(SUFFIX):
        return interpreter_id[:-len(SUFFIX)], True
    return interpreter_id, False


def display_name(interpreter_id):
    """How the end-of-run matrix names a row: `pyenv-3.11 stripped`."""
    original, stripped = split_id(interpreter_id)
    return f"{original} stripped" if stripped else original


def copy_of(interpreter):
    """The stripped copy of `interpreter`, made on first use and kept for the session."""
    if interpreter.id not in _copies:
        _copies[interpreter.id] = _make_copy(interpreter)
    return _copies[interpreter.id]


def cleanup():
    global _directory
    if _directory is not None:
        shutil.rmtree(_directory, ignore_errors=True)
        _directory = None
    _copies.clear()


def _session_directory():
    global _directory
    if _directory is None:
        _directory = Path(tempfile.mkdtemp(prefix="pyxray-stripped-"))
        atexit.register(cleanup)
    return _directory


def _run(command, what):
    try:
        completed = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                                   timeout=STRIP_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"{what}: {error}", pytrace=False)
    if completed.returncode != 0:
        pytest.fail(f"{what}: exit {completed.returncode}: {completed.stderr[-2000:]}",
                    pytrace=False)
    return completed.stdout


def strip_copy(source, destination):
    """`strip --strip-all` of a copy of `source`; fails if .symtab or DWARF survive."""
    shutil.copy2(source, destination)
    _run(["strip", "--strip-all", destination], f"strip --strip-all {destination}")
    sections = _run(["readelf", "-W", "-S", destination], f"readelf -S {destination}")
    if ".symtab" in sections or ".debug_info" in sections:
        pytest.fail(f"strip --strip-all left .symtab or DWARF in {destination}", pytrace=False)
    return destination


def _make_copy(interpreter):
    facts = json.loads(_run([interpreter.executable, "-I", "-c", _DESCRIBE],
                            f"asking {interpreter.executable} where its files are"))
    root = _session_directory() / interpreter.id
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    executable = strip_copy(interpreter.executable, root / "bin" / interpreter.executable.name)
    needed = _NEEDED_LIBPYTHON.findall(_run(["readelf", "-W", "-d", interpreter.executable],
                                            f"readelf -d {interpreter.executable}"))
    libraries = tuple(strip_copy(Path(facts["libdir"]) / name, root / "lib" / name)
                      for name in needed)
    environment = (("PYTHONHOME", facts["prefix"]), ("LD_LIBRARY_PATH", str(root / "lib")))
    return replace(interpreter, id=stripped_id(interpreter.id), executable=executable,
                   environment=environment, libraries=libraries)

"""Finding the runtime and the version with nothing to read symbols from.

- A CPython 3.13 whose executable and libpython were deleted after it started: no file to open,
  so only the scan of writable memory for _Py_DebugOffsets' cookie can find _PyRuntime, and the
  version comes from the table. Live and on a core, in gdb, LLDB and the CLI.
- Debian's CPython 3.11 linked statically into a stripped program named `app` that does not
  export _PyRuntime or Py_Version (as applications embedding Python often do): the runtime is
  found by its .PyRuntime section, the version in the .bss text (no name, no Py_Version).
- A stripped CPython 3.9 libpython loaded under another name (LD_PRELOAD of `librenamed.so`):
  no Py_Version, no `version.0` symbol and no "python3.9" in the module's name, so the version
  comes from the text Py_GetVersion() left in the module's .bss.
"""

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from support import interpreters
from support.drivers import (
    CLI, FRONTENDS, GDB_SCRIPT, LLDB, LLDB_PLUGIN, extract_json, require, run, xbt_json)
from support.frames import comparable, oracle_keys, python_frames, threads_by_tid
from support.stripped import strip_copy
from support.targets import FixtureProcess, Target, make_core

SCAN_INTERPRETER = "pyenv-3.13"
EMBEDDED_INTERPRETER = "debian-3.11"
# Debian's libpython3.11-dev: the static libpython and what it links against.
STATIC_LIBPYTHON = Path("/usr/lib/python3.11/config-3.11-x86_64-linux-gnu/libpython3.11-pic.a")
STATIC_LIBS = ["-lexpat", "-lz", "-lm", "-ldl", "-lpthread", "-lutil"]
APP_C = ("#include <Python.h>\n"
         "int main(int argc, char** argv) { return Py_BytesMain(argc, argv); }\n")
# Extension modules still find the C API in the program; only the runtime's symbols are hidden.
HIDE_RUNTIME = "{ global: *; local: _PyRuntime; Py_Version; };\n"
RENAMED_INTERPRETER = "pyenv-3.9"
MODES = ["live", "core"]


def python_prefix(interpreter):
    """pyenv's layout: PREFIX/bin/python3.X and PREFIX/lib/libpython3.X.so.1.0."""
    return interpreter.executable.parent.parent


@pytest.fixture(scope="module")
def vanished(tmp_path_factory):
    """A 3.13 stacks.py whose executable and libpython copies were deleted once it was ready,
    live, and a core of it made afterwards (the core names files that no longer exist)."""
    original = interpreters.find(SCAN_INTERPRETER)
    prefix = python_prefix(original)
    root = tmp_path_factory.mktemp("vanished")
    copies = root / "python"
    (copies / "bin").mkdir(parents=True)
    (copies / "lib").mkdir()
    executable = copies / "bin" / original.executable.name
    shutil.copy2(original.executable, executable)
    library = copies / "lib" / "libpython3.13.so.1.0"
    shutil.copy2(prefix / "lib" / library.name, library)
    interpreter = replace(original, id=SCAN_INTERPRETER + "-vanished", executable=executable,
                          environment=(("PYTHONHOME", str(prefix)),
                                       ("LD_LIBRARY_PATH", str(library.parent))),
                          libraries=(library,))
    process = FixtureProcess(interpreter, root / "work")
    try:
        record = process.wait_until_blocked()
        shutil.rmtree(copies)
        targets = {"live": Target("live", interpreter, record, process.pid),
                   "core": Target("core", interpreter, record, process.pid,
                                  make_core(process.pid, root / "work" / "core"))}
        yield targets
    finally:
        process.stop()
        shutil.rmtree(root, ignore_errors=True)


def xbt_without_files(frontend, target):
    """`py-xbt -a --json` with no executable to name: it was deleted."""
    if frontend == "cli":
        require(CLI, "the pyxray CLI")
        where = ["--pid", target.pid] if target.kind == "live" else ["--core", target.core]
        return run([CLI, "xbt", *where, "--json"])
    if frontend == "gdb":
        require(GDB_SCRIPT, "the gdb front-end")
        where = ["-p", target.pid] if target.kind == "live" else ["-c", target.core]
        return run(["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", *where,
                    "-ex", f"source {GDB_SCRIPT}", "-ex", "py-xbt -a --json"])
    require(LLDB_PLUGIN, "the LLDB plugin")
    opening = f"process attach -p {target.pid}" if target.kind == "live" else \
        f"target create --core {target.core}"
    command = [LLDB, "--no-lldbinit", "-b", "-o", opening, "-o", f"plugin load {LLDB_PLUGIN}",
               "-o", "py-xbt -a --json"]
    if target.kind == "live":
        command += ["-o", "process detach"]
    return run(command)


def assert_matches_record(document, target):
    assert document["target"]["python_version"] == target.record["python_version"]
    threads = threads_by_tid(document)
    for recorded in target.record["threads"]:
        thread = threads.get(recorded["tid"])
        assert thread is not None, f"thread {recorded['name']} (tid {recorded['tid']}) missing"
        keys = oracle_keys(recorded)
        assert comparable(python_frames(thread), keys) == comparable(recorded["frames"], keys), \
            f"{recorded['name']}: Python frames differ; notes {thread.get('notes')}"


# (Not `frontend`/`mode`: conftest reserves those names for the interpreter matrix.)
@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("tool", FRONTENDS)
def test_cookie_scan_finds_the_runtime_of_deleted_files(tool, kind, vanished):
    target = vanished[kind]
    completed = xbt_without_files(tool, target)
    document = extract_json(completed, f"{tool} py-xbt on {kind} 3.13 with deleted files")
    assert_matches_record(document, target)


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    """A 3.9 stacks.py running a stripped copy of libpython3.9.so.1.0 named librenamed.so:
    LD_PRELOAD loads it, and its SONAME satisfies the executable's DT_NEEDED."""
    original = interpreters.find(RENAMED_INTERPRETER)
    root = tmp_path_factory.mktemp("renamed")
    library = strip_copy(python_prefix(original) / "lib" / "libpython3.9.so.1.0",
                         root / "librenamed.so")
    interpreter = replace(original, id=RENAMED_INTERPRETER + "-renamed",
                          environment=(("PYTHONHOME", str(python_prefix(original))),
                                       ("LD_PRELOAD", str(library))),
                          libraries=(library,))
    process = FixtureProcess(interpreter, root / "work")
    try:
        yield Target("live", interpreter, process.wait_until_blocked(), process.pid)
    finally:
        process.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("tool", FRONTENDS)
def test_version_of_a_renamed_stripped_libpython_from_its_version_text(tool, renamed):
    completed = xbt_without_files(tool, renamed)
    document = extract_json(completed, f"{tool} py-xbt on 3.9 with a renamed stripped libpython")
    assert_matches_record(document, renamed)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """stacks.py run by a stripped program with Debian's 3.11 linked in statically and its
    runtime symbols hidden, live and on a core."""
    original = interpreters.find(EMBEDDED_INTERPRETER)
    if not STATIC_LIBPYTHON.exists():
        pytest.fail(f"no {STATIC_LIBPYTHON} (Debian package libpython3.11-dev)", pytrace=False)
    root = tmp_path_factory.mktemp("embedded")
    (root / "app.c").write_text(APP_C)
    (root / "hide.map").write_text(HIDE_RUNTIME)
    app = root / "app"
    run(["gcc", "-O1", "-I/usr/include/python3.11", root / "app.c", "-o", app,
         "-Wl,--export-dynamic", f"-Wl,--version-script={root / 'hide.map'}", STATIC_LIBPYTHON,
         *STATIC_LIBS]).check_returncode()
    subprocess.run(["strip", "--strip-all", str(app)], check=True, timeout=120)
    exported = run(["readelf", "-W", "--dyn-syms", app]).stdout.split()
    assert "_PyRuntime" not in exported and "Py_Version" not in exported
    assert ".PyRuntime" in run(["readelf", "-W", "-S", app]).stdout
    interpreter = replace(original, id=EMBEDDED_INTERPRETER + "-embedded", executable=app,
                          environment=(("PYTHONHOME", "/usr"),), libraries=())
    process = FixtureProcess(interpreter, root / "work")
    try:
        record = process.wait_until_blocked()
        yield {"live": Target("live", interpreter, record, process.pid),
               "core": Target("core", interpreter, record, process.pid,
                              make_core(process.pid, root / "work" / "core"))}
    finally:
        process.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("tool", FRONTENDS)
def test_runtime_section_and_version_text_of_an_embedding_program(tool, kind, embedded):
    assert_matches_record(xbt_json(tool, embedded[kind]), embedded[kind])

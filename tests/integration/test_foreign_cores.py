"""Cores from another machine: the interpreter that wrote them is gone, or replaced by another build.

For each interpreter below, its executable and libpython are copied into a temporary tree, which
runs fixtures/stacks.py (with PYTHONHOME = the original prefix); a gcore core and a kernel-written
core (RLIMIT_CORE raised for the child, core_pattern is `core`, SIGABRT) are taken, and then the
tree is moved under a sysroot directory, so the paths the cores recorded no longer exist. The CLI
must then list the missing modules with the build-ids the cores hold, decode what it can without
them (3.13+: the _Py_DebugOffsets cookie scan), map them back with --sysroot and --lib-path, and
refuse a file of another build put at the recorded path.
"""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from support import interpreters
from support import stripped
from support.drivers import CLI, require, run
from support.frames import comparable, native_frames, oracle_keys, python_frames, threads_by_tid
from support.targets import FixtureProcess, make_core

VERSIONS = ["pyenv-3.8", "pyenv-3.11", "pyenv-3.12", "pyenv-3.13", "debian-3.13t"]
CORE_KINDS = ["gcore", "kernel"]
OTHER_BUILD = Path("/usr/bin/python3.11")  # a file of another build, put over a recorded path
NOTE_HINT = "map them with --sysroot DIR or --lib-path DIR"


def minor_of(interpreter_id):
    return int(re.search(r"3\.(\d+)", interpreter_id).group(1))


def build_id_of(path):
    """The GNU build-id readelf reads from the file: the oracle for the one pyxray reads."""
    notes = subprocess.run(["readelf", "-n", str(path)], capture_output=True, text=True,
                           check=True).stdout
    found = re.search(r"Build ID: ([0-9a-f]+)", notes)
    assert found, f"readelf finds no build-id in {path}"
    return found.group(1)


class ForeignCores:
    """The copy, its two cores and the record of the process that wrote them."""

    def __init__(self, interpreter, directory):
        self.directory = directory
        self.copy_root = directory / "copy"
        self.sysroot = directory / "sysroot"
        facts = json.loads(subprocess.run([str(interpreter.executable), "-I", "-c", stripped._DESCRIBE],
                                          capture_output=True, text=True, check=True).stdout)
        (self.copy_root / "bin").mkdir(parents=True)
        (self.copy_root / "lib").mkdir()
        executable = self.copy_root / "bin" / interpreter.executable.name
        shutil.copy2(interpreter.executable, executable)
        dynamic = subprocess.run(["readelf", "-W", "-d", str(interpreter.executable)],
                                 capture_output=True, text=True, check=True).stdout
        libraries = []
        for name in stripped._NEEDED_LIBPYTHON.findall(dynamic):
            libraries.append(self.copy_root / "lib" / name)
            shutil.copy2(Path(facts["libdir"]) / name, libraries[-1])
        self.recorded = [executable, *libraries]  # the paths the cores record, gone after setup
        self.build_ids = {str(path): build_id_of(path) for path in self.recorded}
        copy = replace(interpreter, executable=executable, libraries=tuple(libraries),
                       environment=(("PYTHONHOME", facts["prefix"]),
                                    ("LD_LIBRARY_PATH", str(self.copy_root / "lib"))))
        self.cores = {}
        self.record = self._run_and_dump(copy)
        moved = self.sysroot / self.copy_root.relative_to("/")
        moved.parent.mkdir(parents=True)
        self.copy_root.rename(moved)
        self.lib_paths = [moved / "bin", moved / "lib"]

    def _run_and_dump(self, copy):
        workdir = self.directory / "run"
        soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))  # inherited by the fixture only
        try:
            process = FixtureProcess(copy, workdir)
        finally:
            resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
        try:
            record = process.wait_until_blocked()
            self.cores["gcore"] = make_core(process.pid, self.directory / "gcore.core")
            os.kill(process.pid, signal.SIGABRT)
            process.process.wait(timeout=60)
        finally:
            process.stop()
        written = [path for path in workdir.iterdir() if path.name.startswith("core")]
        assert len(written) == 1, f"the kernel wrote no single core in {workdir}: {written}"
        self.cores["kernel"] = written[0]
        return record

    def put_other_build(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(OTHER_BUILD, path)

    def remove_other_builds(self):
        shutil.rmtree(self.copy_root, ignore_errors=True)


@pytest.fixture(scope="module", params=VERSIONS)
def foreign(request, tmp_path_factory):
    interpreter = interpreters.find(request.param)
    directory = tmp_path_factory.mktemp(f"foreign-{request.param}")
    cores = ForeignCores(interpreter, directory)
    yield request.param, cores
    shutil.rmtree(directory, ignore_errors=True)


def pyxray(core, *flags, subcommand="xbt"):
    require(CLI, "the pyxray CLI")
    return run([CLI, subcommand, "--core", core, *flags])


def document_of(completed):
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def modules_by_path(document):
    return {module["path"]: module for module in document["modules"]}


def assert_python_frames_match(document, record):
    actual, expected = {}, {}
    threads = threads_by_tid(document)
    for recorded in record["threads"]:
        keys = oracle_keys(recorded)
        actual[recorded["name"]] = comparable(python_frames(threads.get(recorded["tid"], {})), keys)
        expected[recorded["name"]] = comparable(recorded["frames"], keys)
    assert actual == expected


def native_frames_in(document, file_name):
    """Merged or not (without libpython's unwind tables the stacks may not merge)."""
    return [frame for thread in document["threads"] for frame in native_frames(thread)
            if Path(frame["module"]).name == file_name]


@pytest.mark.parametrize("kind", CORE_KINDS)
def test_missing_modules_are_reported_and_what_remains_decodes(foreign, kind):
    interp_id, cores = foreign
    completed = pyxray(cores.cores[kind], "--json")
    if minor_of(interp_id) < 13:
        # No symbols and no cookie: a one-line error naming what is missing, no traceback.
        assert completed.returncode != 0
        assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
        for path in cores.recorded:
            assert path.name in completed.stderr
        assert "--sysroot" in completed.stderr
        return
    document = document_of(completed)
    modules = modules_by_path(document)
    for path in cores.recorded:
        module = modules[str(path)]
        assert (module["status"], module["build_id"], module["file"]) == \
            ("missing", cores.build_ids[str(path)], None)
        assert str(path) in module["looked_for"]
    assert_python_frames_match(document, cores.record)
    unknown = native_frames_in(document, cores.recorded[-1].name)
    assert unknown and all(frame["function"] == "" and frame["offset"] for frame in unknown)
    text = pyxray(cores.cores[kind]).stdout
    assert NOTE_HINT in text
    for path in cores.recorded:
        assert f"{path.name} (build-id {cores.build_ids[str(path)]}): missing" in text
    assert re.search(rf"\?\? \({re.escape(cores.recorded[-1].name)}\+0x[0-9a-f]+\)", text), text


@pytest.mark.parametrize("kind", CORE_KINDS)
@pytest.mark.parametrize("option", ["sysroot", "lib-path"])
def test_modules_mapped_back_give_the_recorded_stacks(foreign, kind, option):
    _, cores = foreign
    if option == "sysroot":
        flags = ["--sysroot", cores.sysroot]
    else:
        flags = [part for directory in cores.lib_paths for part in ("--lib-path", directory)]
    document = document_of(pyxray(cores.cores[kind], "--json", *flags))
    modules = modules_by_path(document)
    for path in cores.recorded:
        assert modules[str(path)]["status"] == "mapped"
        assert modules[str(path)]["build_id"] == cores.build_ids[str(path)]
    assert_python_frames_match(document, cores.record)
    symbolized = native_frames_in(document, cores.recorded[-1].name)
    assert symbolized and all(frame["function"] for frame in symbolized)
    assert NOTE_HINT not in pyxray(cores.cores[kind], *flags, subcommand="threads").stdout


@pytest.mark.parametrize("kind", CORE_KINDS)
def test_a_module_of_another_build_is_not_used(foreign, kind):
    interp_id, cores = foreign
    replaced = cores.recorded[-1]  # libpython, or the executable of a static build
    cores.put_other_build(replaced)
    try:
        completed = pyxray(cores.cores[kind], "--json")
        if minor_of(interp_id) < 13 and len(cores.recorded) == 1:
            assert completed.returncode != 0 and replaced.name in completed.stderr
            return
        if minor_of(interp_id) < 13:
            # The executable is still missing and libpython refused: no runtime to decode.
            assert completed.returncode != 0, completed.stdout[:2000]
            assert replaced.name in completed.stderr
            return
        document = document_of(completed)
        module = modules_by_path(document)[str(replaced)]
        assert (module["status"], module["file"], module["found_build_id"]) == \
            ("mismatch", None, build_id_of(OTHER_BUILD))
        assert_python_frames_match(document, cores.record)
        refused = native_frames_in(document, replaced.name)
        assert refused and all(frame["function"] == "" for frame in refused)
        assert f"{replaced.name} (build-id {cores.build_ids[str(replaced)]}): mismatch" in \
            pyxray(cores.cores[kind]).stdout
    finally:
        cores.remove_other_builds()

"""Python processes in containers, seen from the host, through gdb, LLDB and the CLI.

No Docker: for each interpreter below, fixtures/stacks.py runs in a container made as
ENVIRONMENT.md's "Field conditions" describe: `unshare --mount --pid --fork`, a tmpfs root with
bind mounts (/usr, /dev, the interpreter's prefix at a path the host does not have, the fixture
and run directories), `pivot_root`, its own /proc. The files its /proc/PID/maps names are then
the container's, and its thread ids are its PID namespace's (its record's tids, and the
native_thread_id of 3.11+; 3.8-3.10 keep only pthread ids). The oracle is the fixture's own
record, its tids mapped to the host's through NSpid in /proc/PID/task/TID/status (read here,
not by pyxray).

Live, by host pid, with no flag: every front-end must show the record's Python frames on host
tids, reading the modules through the process's root, and never a same-named file of another
build put at the container path on the host. A gcore core taken from the host: with the
container's root filesystem (a directory standing for an exported image) given as --sysroot,
gdb's `set sysroot` or LLDB's `target.exec-search-paths`, the same frames; without it, the CLI
says the process may have run in a container and what to point --sysroot at.
"""

import json
import os
import re
import shutil
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from support import interpreters
from support import stripped
from support.drivers import CLI, GDB_SCRIPT, LLDB, LLDB_PLUGIN, extract_json, require, run, run_gdb, run_xbt
from support.frames import comparable, oracle_keys, python_frames, threads_by_tid
from support.targets import REPO, FixtureProcess, Target, make_core

# One of 3.8-3.10 (pthread ids only), one of 3.11/3.12 (native_thread_id), a free-threaded 3.13.
VERSIONS = ["pyenv-3.8", "pyenv-3.9", "pyenv-3.10", "pyenv-3.11", "pyenv-3.12", "debian-3.13t"]
TOOLS = ["gdb", "lldb", "cli"]
OTHER_BUILD = Path("/usr/bin/python3.11")  # an ELF of another build, put at a container path

CONTAINER_SCRIPT = r"""
set -e
root=$1 prefix=$2 inside=$3 work=$4 fixtures=$5
shift 5
mount --make-rprivate /
mount -t tmpfs tmpfs "$root"
cd "$root"
mkdir -p usr dev proc old ."$inside" ."$work" ."$fixtures"
ln -s usr/lib lib
ln -s usr/lib64 lib64
ln -s usr/bin bin
mount --rbind /usr usr
mount --rbind /dev dev
mount --bind "$prefix" ."$inside"
mount --bind "$work" ."$work"
mount --bind "$fixtures" ."$fixtures"
pivot_root . old
mount -t proc proc /proc
umount -l /old
cd "$work"
export LD_LIBRARY_PATH="$work/lib:$inside/lib" PYTHONHOME="$inside"
exec "$@"
"""


def namespace_ids(status_path):
    """NSpid's ids, from the host's namespace inward."""
    for line in Path(status_path).read_text().splitlines():
        if line.startswith("NSpid:"):
            return [int(word) for word in line.split()[1:]]
    raise AssertionError(f"no NSpid line in {status_path}")


class ContainerProcess(FixtureProcess):
    """stacks.py as PID 1 of its own PID and mount namespaces; `pid` is its host pid once
    wait_until_blocked returns, and the record's tids are the host's."""

    def __init__(self, interpreter, directory, prepare_workdir=None):
        facts = json.loads(subprocess.run([str(interpreter.executable), "-I", "-c", stripped._DESCRIBE],
                                          capture_output=True, text=True, check=True).stdout)
        self.interpreter = interpreter
        self.prefix = Path(facts["prefix"]).resolve()
        self.inside = directory / "opt-py"  # the prefix's path in the container: none on the host
        self.root = directory / "root"
        self.workdir = directory / "run"
        for path in (self.root, self.workdir):
            path.mkdir(parents=True)
        if prepare_workdir:
            prepare_workdir(self)
        self.executable = self.inside / interpreter.executable.resolve().relative_to(self.prefix)
        self.record_path = self.workdir / "record.json"
        self.ready_path = self.workdir / "ready"
        self.log_path = directory / "stacks.log"
        self.script = REPO / "fixtures" / "stacks.py"
        command = ["unshare", "--mount", "--pid", "--fork", "--kill-child", "sh", "-c", CONTAINER_SCRIPT,
                   "container", self.root, self.prefix, self.inside, self.workdir, self.script.parent,
                   self.executable, self.script, "--record", self.record_path, "--ready", self.ready_path]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([str(part) for part in command], stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT)
        self.pid = None
        self.record = None

    def wait_until_blocked(self):
        self._wait_for(self.ready_path.exists, 60, f"stacks.py in a container never wrote {self.ready_path}")
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, f"unshare {self.process.pid} has children {children}"
        self.pid = int(children[0])
        record = json.loads(self.record_path.read_text())
        assert namespace_ids(f"/proc/{self.pid}/status")[1:] == [record["pid"]], \
            "stacks.py does not run in its own PID namespace"
        host_tid = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            ids = namespace_ids(task / "status")
            host_tid[ids[-1]] = ids[0]
        for thread in record["threads"]:
            thread["tid"] = host_tid[thread["tid"]]
        record["pid"] = self.pid
        self.record = record
        tids = sorted(thread["tid"] for thread in record["threads"])
        self._wait_for(lambda: self._tasks_sleeping(tids), 30, f"threads of pid {self.pid} not all asleep")
        return record

    def stop(self):
        # The fixture first: killed with unshare, it would be left to a PID 1 that does not reap.
        if self.pid is not None and self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        if self.process.poll() is None and self.pid is None:
            self.process.kill()
        self.process.wait(timeout=30)


class Container:
    """One interpreter's container: its live target, a gcore core of it, and a directory that
    stands for the container's exported root filesystem (its prefix at the container's path)."""

    def __init__(self, interpreter, directory):
        self.minor = int(re.search(r"3\.(\d+)", interpreter.id).group(1))
        self.process = ContainerProcess(interpreter, directory)
        try:
            record = self.process.wait_until_blocked()
            self.live = Target("live", interpreter, record, self.process.pid)
            core = make_core(self.process.pid, directory / "core")
        except BaseException:
            self.process.stop()
            raise
        self.sysroot = directory / "exported"
        exported_prefix = self.sysroot / self.process.inside.relative_to("/")
        exported_prefix.parent.mkdir(parents=True)
        exported_prefix.symlink_to(self.process.prefix)
        in_sysroot = self.sysroot / self.process.executable.relative_to("/")
        self.core = Target("core", replace(interpreter, executable=in_sysroot), record,
                           self.process.pid, core)

    def container_path(self, name):
        """The container's path of the interpreter's libpython (its executable when static)."""
        maps = Path(f"/proc/{self.process.pid}/maps").read_text()
        paths = {line.split()[-1] for line in maps.splitlines() if str(self.process.inside) in line}
        found = sorted(path for path in paths if Path(path).name.startswith(name))
        return Path(found[0]) if found else self.process.executable


@pytest.fixture(scope="module", params=VERSIONS)
def container(request, tmp_path_factory):
    interpreter = interpreters.find(request.param)
    directory = tmp_path_factory.mktemp(f"container-{request.param}")
    made = Container(interpreter, directory)
    yield made
    made.process.stop()
    shutil.rmtree(directory, ignore_errors=True)


def assert_frames_match_record(document, record):
    """Every recorded thread, by its host tid, with the recorded Python frames."""
    threads = threads_by_tid(document)
    assert sorted(threads) == sorted(thread["tid"] for thread in record["threads"]), \
        f"pyxray shows tids {sorted(threads)}, the host's are {sorted(t['tid'] for t in record['threads'])}"
    actual, expected = {}, {}
    for recorded in record["threads"]:
        keys = oracle_keys(recorded)
        actual[recorded["name"]] = comparable(python_frames(threads[recorded["tid"]]), keys)
        expected[recorded["name"]] = comparable(recorded["frames"], keys)
    assert actual == expected


def xbt_document(tool, target, what):
    return extract_json(run_xbt(tool, target, ["--json"]), f"{tool} py-xbt on {what}")


@pytest.mark.parametrize("tool", TOOLS)
def test_live_from_the_host_by_host_pid(container, tool):
    assert_frames_match_record(xbt_document(tool, container.live, "a live container"), container.live.record)


def test_live_modules_are_read_through_the_process_root(container):
    """The CLI's JSON lists the container's files as read through /proc/PID/root, checked by
    build-id; a same-named file of another build at the container path on the host is not read."""
    replaced = container.container_path("libpython")
    assert not replaced.exists(), f"{replaced} exists on the host"
    replaced.parent.mkdir(parents=True)
    shutil.copy2(OTHER_BUILD, replaced)
    try:
        document = extract_json(run([CLI, "xbt", "--pid", container.process.pid, "--json"]),
                                "pyxray xbt --pid")
    finally:
        shutil.rmtree(container.process.inside)
    assert_frames_match_record(document, container.live.record)
    module = {module["path"]: module for module in document["modules"]}[str(replaced)]
    assert (module["status"], module["file"]) == ("mapped", f"/proc/{container.process.pid}/root{replaced}")
    assert module["build_id"] and module["build_id"] != build_id_of(OTHER_BUILD)


def build_id_of(path):
    notes = subprocess.run(["readelf", "-n", str(path)], capture_output=True, text=True, check=True).stdout
    return re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)


def test_core_without_its_root_says_where_to_point_sysroot(container):
    require(CLI, "the pyxray CLI")
    completed = run([CLI, "xbt", "--core", container.core.core])
    if completed.returncode != 0:
        # No symbols and no cookie before 3.13: one line, naming the container and --sysroot.
        assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
        message = completed.stderr
    else:
        # 3.13+ decodes through the cookie scan; the note names what is missing and how to map it.
        message = completed.stdout
        assert_frames_match_record(extract_json(run([CLI, "xbt", "--core", container.core.core, "--json"]),
                                                "pyxray xbt --core"), container.core.record)
    assert "container" in message and "--sysroot" in message, message
    assert container.process.executable.name in message, message


def lldb_core_command(target, sysroot_prefix):
    require(LLDB_PLUGIN, "the LLDB plugin")
    search = " ".join(str(sysroot_prefix / part) for part in ("lib", "bin"))
    return [LLDB, "--no-lldbinit", "-b", "-o", f"settings set target.exec-search-paths {search}",
            "-o", f"target create --core {target.core} {target.executable}",
            "-o", f"plugin load {LLDB_PLUGIN}", "-o", "py-xbt -a --json"]


@pytest.mark.parametrize("tool", TOOLS)
def test_core_with_its_root_as_sysroot(container, tool, request):
    target = container.core
    if tool == "cli":
        require(CLI, "the pyxray CLI")
        completed = run([CLI, "xbt", "--core", target.core, "--sysroot", container.sysroot, "--json"])
    elif tool == "gdb":
        require(GDB_SCRIPT, "the gdb front-end")
        completed = run_gdb(target, ["py-xbt -a --json"],
                            extra_iex=["-iex", f"set sysroot {container.sysroot}"])
    else:
        sysroot_prefix = container.sysroot / container.process.inside.relative_to("/")
        completed = run(lldb_core_command(target, sysroot_prefix))
    assert_frames_match_record(extract_json(completed, f"{tool} py-xbt on a container's core"), target.record)


def copy_libpython_into_workdir(process):
    """The container's own libpython: in its work directory, first on LD_LIBRARY_PATH."""
    library = next(process.prefix.glob("lib/libpython3*.so.1.0"))
    (process.workdir / "lib").mkdir()
    shutil.copy2(library, process.workdir / "lib" / library.name)


def replace_with_another_build(library):
    upgrade = library.with_name("upgrade")
    shutil.copy2(OTHER_BUILD, upgrade)
    os.replace(upgrade, library)


def upgraded_in_a_container(interpreter, directory):
    process = ContainerProcess(interpreter, directory, prepare_workdir=copy_libpython_into_workdir)
    return process, lambda: next((process.workdir / "lib").glob("libpython3*"))


def upgraded_on_the_host(interpreter, directory):
    library = next(interpreter.executable.resolve().parent.parent.glob("lib/libpython3*.so.1.0"))
    (directory / "lib").mkdir(parents=True)
    copy = directory / "lib" / library.name
    shutil.copy2(library, copy)
    own = replace(interpreter, environment=(("LD_LIBRARY_PATH", str(copy.parent)),), libraries=(copy,))
    return FixtureProcess(own, directory / "run"), lambda: copy


@pytest.fixture(scope="module", params=["container", "host"], ids=["pyenv-3.12-container", "pyenv-3.12-host"])
def upgraded(request, tmp_path_factory):
    """pyenv-3.12 whose libpython was replaced by another build after the process mapped it, as
    a package upgrade under a running service does: the mapped file is gone from every path
    (maps says "(deleted)"); only /proc/PID/map_files still reaches it. In a container, and on
    the host."""
    interpreter = interpreters.find("pyenv-3.12")
    directory = tmp_path_factory.mktemp(f"upgraded-{request.param}")
    start = upgraded_in_a_container if request.param == "container" else upgraded_on_the_host
    process, library = start(interpreter, directory)
    try:
        record = process.wait_until_blocked()
        replace_with_another_build(library())
        yield Target("live", interpreter, record, process.pid), library()
    finally:
        process.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("tool", TOOLS)
def test_live_library_replaced_after_mapping_is_read_through_map_files(upgraded, tool):
    target, library = upgraded
    document = xbt_document(tool, target, "a process whose libpython was replaced")
    assert_frames_match_record(document, target.record)
    if tool == "cli":
        module = {module["path"]: module for module in document["modules"]}[f"{library} (deleted)"]
        assert module["status"] == "mapped", module
        assert module["file"].startswith(f"/proc/{target.pid}/map_files/"), module

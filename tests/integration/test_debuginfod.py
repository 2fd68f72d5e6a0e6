"""Symbols and files by build-id from a real debuginfod server, in the CLI and in gdb.

fixtures/debuginfod/staticext.c is built per interpreter with debug info and a build-id, its
debug info split off (objcopy --only-keep-debug) and the module stripped of it and of its symbol
table (strip --strip-debug --strip-unneeded): its one function is static, so only the debug info
names it. A real `debuginfod -F DIR` on 127.0.0.1 serves the split-off debug info (and copies of
the stripped module and of the interpreter's executable). fixtures/debuginfod/relay.py blocks
under that static function and records its name, as the C code gives it.

- With DEBUGINFOD_URLS: `pyxray xbt` names the static function between the two Python frames
  around it, fetched into DEBUGINFOD_CACHE_PATH, with a progress line on a terminal.
- Without it: the frame stays unnamed, no cache directory appears, and the server is not asked.
- A core whose executable and extension were deleted after it was written: both fetched by
  build-id (/buildid/ID/executable), and the static function named again.
- gdb with its own client (`set debuginfod enabled on`): py-xbt names the static function too,
  since it takes gdb's names for native frames; with the client off it stays unnamed.
- lldb-16, which has no client: the plugin asks the server with DEBUGINFOD_URLS set and hands the
  debug info to LLDB, so py-xbt and LLDB's own `bt` name it; without the variable, unnamed and
  nothing asked.
"""

import os
import pty
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from support import interpreters
from support.drivers import (
    CLI, GDB_SCRIPT, LLDB_PLUGIN, extract_json, gdb_command, lldb_command, require, run)
from support.extensions import build_extension
from support.frames import describe
from support.targets import REPO, FixtureProcess, Target, make_core

INTERPRETER_IDS = ["pyenv-3.8", "pyenv-3.12"]
STATICEXT = REPO / "fixtures" / "debuginfod" / "staticext.c"
RELAY_PY = REPO / "fixtures" / "debuginfod" / "relay.py"
INDEX_TIMEOUT = 30.0  # seconds for the server to index a handful of small files
POLL_INTERVAL = 0.05
TOOL_TIMEOUT = 120


def build_id_of(path):
    notes = subprocess.run(["readelf", "-n", str(path)], capture_output=True, text=True,
                           timeout=TOOL_TIMEOUT, check=True).stdout
    found = re.search(r"Build ID: ([0-9a-f]+)", notes)
    if not found:
        pytest.fail(f"{path} has no GNU build-id", pytrace=False)
    return found.group(1)


def checked(command):
    completed = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                               timeout=TOOL_TIMEOUT)
    if completed.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} failed: {completed.stderr[-2000:]}",
                    pytrace=False)


def split_extension(interpreter, workdir, served):
    """staticext built for `interpreter` in `workdir`, stripped; its debug info under `served`.
    Returns the stripped module's path."""
    build_extension(interpreter, STATICEXT, "staticext", workdir, extra_flags=["-Wl,--build-id"])
    module = next(workdir.glob("staticext*.so"))
    debug = served / (module.name + ".debug")
    checked(["objcopy", "--only-keep-debug", module, debug])
    checked(["strip", "--strip-debug", "--strip-unneeded", module])
    return module


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`debuginfod -F served`, on 127.0.0.1; stopped and reaped by close()."""

    def __init__(self, directory):
        self.directory = directory
        self.served = directory / "served"
        self.served.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "debuginfod.log"
        self.process = None

    def start(self):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["debuginfod", "-p", str(self.port), "-d", str(self.directory / "index.sqlite"),
                 "-F", str(self.served)], stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT)

    def wait_until_serving(self, build_id, artifact):
        """Polls /buildid/ID/ARTIFACT until it answers 200: the server has indexed it."""
        deadline = time.monotonic() + INDEX_TIMEOUT
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"debuginfod exited with {self.process.returncode}: {self.log()}",
                            pytrace=False)
            try:
                with urllib.request.urlopen(f"{self.url}/buildid/{build_id}/{artifact}",
                                            timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"debuginfod did not serve {build_id}/{artifact} within "
                            f"{INDEX_TIMEOUT:.0f} s: {self.log()}", pytrace=False)
            time.sleep(POLL_INTERVAL)

    def buildid_requests(self):
        """How many requests other than /metrics the server has had (its own metrics:
        http_requests_total{type="debuginfo"}, type="executable", ...)."""
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as answer:
            metrics = answer.read().decode()
        counts = re.findall(r'^http_requests_total\{type="([^"]*)"\} (\S+)$', metrics, re.MULTILINE)
        return sum(int(float(value)) for kind, value in counts if kind != "metrics")

    def log(self):
        return self.log_path.read_text(errors="replace")[-2000:]

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=30)


class Relay:
    """relay.py under one interpreter blocked under the stripped staticext, live; and a core of
    a second such process whose executable and staticext copies were deleted after the core."""

    def __init__(self, interpreter, live, live_record, core_target, build_ids):
        self.interpreter = interpreter
        self.live = live
        self.live_record = live_record
        self.core = core_target
        self.build_ids = build_ids


def start_relay(interpreter, workdir, module):
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(module, workdir / module.name)
    process = FixtureProcess(interpreter, workdir, script=RELAY_PY)
    return process, process.wait_until_blocked()


def copied_interpreter(original, directory):
    """A copy of pyenv's executable, to be deleted: libpython stays where RPATH names it."""
    prefix = original.executable.parent.parent
    directory.mkdir(parents=True)
    executable = directory / original.executable.name
    shutil.copy2(original.executable, executable)
    libraries = tuple(path for path in (prefix / "lib").glob("libpython3*.so.1.0"))
    return replace(original, id=original.id + "-gone", executable=executable,
                   environment=(("PYTHONHOME", str(prefix)),), libraries=libraries)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """The server over every interpreter's split-off files, and a Relay per interpreter."""
    root = tmp_path_factory.mktemp("debuginfod")
    server = Server(root)
    processes, relays = [], {}
    try:
        prepared = {}
        for interpreter_id in INTERPRETER_IDS:
            interpreter = interpreters.find(interpreter_id)
            build = root / interpreter_id / "build"
            module = split_extension(interpreter, build, server.served)
            served_module = server.served / interpreter_id / module.name
            served_module.parent.mkdir()
            shutil.copy2(module, served_module)
            gone = copied_interpreter(interpreter, root / interpreter_id / "gone")
            shutil.copy2(gone.executable, server.served / interpreter_id / gone.executable.name)
            prepared[interpreter_id] = (interpreter, module, gone)
        server.start()
        for interpreter_id, (interpreter, module, gone) in prepared.items():
            ids = {"staticext": build_id_of(module), "executable": build_id_of(gone.executable)}
            server.wait_until_serving(ids["staticext"], "debuginfo")
            server.wait_until_serving(ids["staticext"], "executable")
            server.wait_until_serving(ids["executable"], "executable")
            live, live_record = start_relay(interpreter, root / interpreter_id / "live", module)
            processes.append(live)
            dying, dying_record = start_relay(gone, root / interpreter_id / "core", module)
            processes.append(dying)
            core = make_core(dying.pid, root / interpreter_id / "core" / "core")
            dying.stop()
            (root / interpreter_id / "core" / module.name).unlink()
            shutil.rmtree(gone.executable.parent)
            core_target = Target("core", gone, dying_record, dying.pid, core)
            relays[interpreter_id] = Relay(interpreter, live, live_record, core_target, ids)
        yield server, relays
    finally:
        for process in processes:
            process.stop()
        server.close()
        shutil.rmtree(root, ignore_errors=True)


def run_pyxray(arguments, environment, terminal=False):
    """The CLI with these variables; with terminal, its stderr is a pseudo-terminal whose text
    comes back as completed.stderr."""
    require(CLI, "the pyxray CLI")
    command = [CLI, *arguments]
    if not terminal:
        return run(command, extra_environment=environment)
    controller, terminal_end = pty.openpty()
    seen = []
    reader = threading.Thread(target=read_all, args=(controller, seen))
    reader.start()
    try:
        completed = subprocess.run([str(part) for part in command], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=terminal_end, text=True,
                                   timeout=TOOL_TIMEOUT, env=dict(os.environ, **environment))
    finally:
        os.close(terminal_end)
        reader.join(timeout=TOOL_TIMEOUT)
        os.close(controller)
    completed.stderr = b"".join(seen).decode(errors="replace")
    return completed


def read_all(fd, into):
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the last writer closed the terminal
            return
        if not data:
            return
        into.append(data)


def with_server(server, cache):
    return {"DEBUGINFOD_URLS": server.url, "DEBUGINFOD_CACHE_PATH": str(cache)}


def without_server(cache):
    return {"DEBUGINFOD_URLS": "", "DEBUGINFOD_CACHE_PATH": str(cache)}


def relay_thread(document, record):
    tid = record["threads"][0]["tid"]
    for thread in document.get("threads", []):
        if thread.get("tid") == tid:
            return thread
    pytest.fail(f"no thread {tid} in pyxray's output: {[t.get('tid') for t in document['threads']]}",
                pytrace=False)


def static_frame_between_python_frames(thread, static_function):
    """The merged stack holds `static_function` (in staticext) just outside Python's `block`
    (the callback, through the interpreter's call plumbing) and inside `run`."""
    frames = thread["frames"]
    where = {frame.get("function"): index for index, frame in enumerate(frames)
             if frame.get("kind") == "python"}
    named = [index for index, frame in enumerate(frames)
             if frame.get("kind") == "native" and frame.get("function") == static_function]
    assert "block" in where and "run" in where, describe(frames)
    assert named, f"{static_function} not named:\n{describe(frames)}"
    assert where["block"] < named[0] < where["run"], describe(frames)
    assert "staticext" in Path(frames[named[0]]["module"]).name, describe(frames)


def unnamed_staticext_frame(thread):
    """Between `block` and `run`, a staticext frame with no name."""
    frames = thread["frames"]
    where = {frame.get("function"): index for index, frame in enumerate(frames)
             if frame.get("kind") == "python"}
    inside = frames[where["block"] + 1:where["run"]]
    ours = [frame for frame in inside if "staticext" in Path(frame.get("module") or "").name]
    assert ours, f"no staticext frame between block and run:\n{describe(frames)}"
    assert all(not frame.get("function") for frame in ours), describe(frames)


@pytest.mark.parametrize("python_id", INTERPRETER_IDS)
def test_static_function_named_from_debuginfod_live(setup, python_id, tmp_path):
    server, relays = setup
    relay = relays[python_id]
    cache = tmp_path / "cache"
    completed = run_pyxray(["xbt", "--pid", relay.live.pid, "--json"], with_server(server, cache),
                           terminal=True)
    document = extract_json(completed, f"pyxray xbt on {python_id}")
    thread = relay_thread(document, relay.live_record)
    static_frame_between_python_frames(thread, relay.live_record["static_function"])
    assert "pyxray: downloading " + server.url + "/buildid/" in completed.stderr, completed.stderr
    fetched = list(cache.rglob("debuginfo"))
    assert any(relay.build_ids["staticext"] in str(path) for path in fetched), fetched


@pytest.mark.parametrize("python_id", INTERPRETER_IDS)
def test_without_debuginfod_nothing_is_fetched(setup, python_id, tmp_path):
    server, relays = setup
    relay = relays[python_id]
    cache = tmp_path / "cache"
    asked_before = server.buildid_requests()
    completed = run_pyxray(["xbt", "--pid", relay.live.pid, "--json"], without_server(cache))
    document = extract_json(completed, f"pyxray xbt on {python_id}")
    unnamed_staticext_frame(relay_thread(document, relay.live_record))
    assert not cache.exists(), list(cache.rglob("*"))
    assert server.buildid_requests() == asked_before


@pytest.mark.parametrize("python_id", INTERPRETER_IDS)
def test_core_with_missing_files_fetched_by_build_id(setup, python_id, tmp_path):
    server, relays = setup
    relay = relays[python_id]
    core = relay.core
    arguments = ["xbt", "--core", core.core, "--json"]
    missing = extract_json(run_pyxray(arguments, without_server(tmp_path / "unused")),
                           f"pyxray xbt --core on {python_id} without debuginfod")
    statuses = {Path(module["path"]).name: module for module in missing["modules"]}
    executable = core.interpreter.executable.name
    assert statuses[executable]["status"] == "missing", statuses[executable]
    unnamed_staticext_frame(relay_thread(missing, core.record))

    completed = run_pyxray(arguments, with_server(server, tmp_path / "cache"))
    document = extract_json(completed, f"pyxray xbt --core on {python_id} with debuginfod")
    modules = {Path(module["path"]).name: module for module in document["modules"]}
    for name in (executable, next(name for name in modules if name.startswith("staticext"))):
        assert modules[name]["status"] == "fetched", modules[name]
        assert modules[name]["file"].startswith(str(tmp_path / "cache")), modules[name]
    static_frame_between_python_frames(relay_thread(document, core.record),
                                       core.record["static_function"])


@pytest.mark.parametrize("enabled", ["on", "off"])
def test_gdb_names_the_static_function_with_its_own_debuginfod(setup, enabled, tmp_path):
    """What docs/cores.md tells gdb users: gdb 13's `set debuginfod enabled on`, and py-xbt
    shows what gdb fetched; off, the frame stays unnamed and nothing is cached."""
    require(GDB_SCRIPT, "the gdb front-end")
    server, relays = setup
    relay = relays["pyenv-3.12"]
    cache = tmp_path / "cache"
    live = Target("live", relay.interpreter, relay.live_record, relay.live.pid)
    command = gdb_command(live, ["py-xbt --json"], extra_iex=["-iex", f"set debuginfod enabled {enabled}"])
    completed = run(command, extra_environment=with_server(server, cache))
    thread = relay_thread(extract_json(completed, f"gdb py-xbt, debuginfod {enabled}"), relay.live_record)
    if enabled == "on":
        static_frame_between_python_frames(thread, relay.live_record["static_function"])
        assert any(relay.build_ids["staticext"] in str(path) for path in cache.rglob("debuginfo"))
    else:
        unnamed_staticext_frame(thread)
        assert not cache.exists(), list(cache.rglob("*"))


@pytest.mark.parametrize("python_id", INTERPRETER_IDS)
@pytest.mark.parametrize("served", [True, False], ids=["with-server", "without-server"])
def test_lldb_plugin_names_the_static_function_from_debuginfod(setup, python_id, served, tmp_path):
    require(LLDB_PLUGIN, "the LLDB plugin")
    server, relays = setup
    relay = relays[python_id]
    cache = tmp_path / "cache"
    asked_before = server.buildid_requests()
    live = Target("live", relay.interpreter, relay.live_record, relay.live.pid)
    environment = with_server(server, cache) if served else without_server(cache)
    completed = run(lldb_command(live, ["py-xbt --json", "bt"]), extra_environment=environment)
    thread = relay_thread(extract_json(completed, f"LLDB py-xbt, server {served}"), relay.live_record)
    static_function = relay.live_record["static_function"]
    if served:
        static_frame_between_python_frames(thread, static_function)
        assert re.search(rf"staticext\S*`{static_function}\b", completed.stdout), completed.stdout
        assert any(relay.build_ids["staticext"] in str(path) for path in cache.rglob("debuginfo"))
    else:
        unnamed_staticext_frame(thread)
        assert not cache.exists(), list(cache.rglob("*"))
        assert server.buildid_requests() == asked_before

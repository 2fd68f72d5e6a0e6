"""Issue 17's debugger and CLI items: each test failed on main before its fix.

Left out of the sanitized pass (SANITIZE_SLICE): they check gdb's command registration, its
stop printing, the CLI's command line and error words, no memory-unsafe path of the core."""

import json
import re
import struct
import subprocess
from pathlib import Path

import pytest

from support import interpreters
from support.core_layout import CoreLayout
from support.drivers import CLI, GDB_SCRIPT, require, run, tool_environment

PYENV = Path.home() / ".pyenv" / "versions"
CPYTHON_AUTO_LOAD = Path("/usr/share/gdb/auto-load/usr/bin/python3.11-gdb.py")


@pytest.fixture(scope="module")
def live(live_targets):
    return live_targets.get(interpreters.find("pyenv-3.12"))


@pytest.fixture(scope="module")
def debian_live(live_targets):
    return live_targets.get(interpreters.find("debian-3.11"))


# --- item 16: a target without its option, and -p ---------------------------------------------

@pytest.mark.parametrize("words", [["xbt", "-p"], ["xbt"], ["threads"], ["threads", "-p"]])
def test_cli_takes_a_lone_pid_and_short_p(live, words):
    completed = run([CLI, *words, str(live.pid), "--json"])
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["target"]["pid"] == live.pid


def test_cli_takes_a_core_path_without_core_option(tmp_path):
    missing = tmp_path / "no-such.core"
    completed = run([CLI, "xbt", str(missing)])
    assert completed.returncode == 1 and str(missing) in completed.stderr, completed.stderr


# --- item 15: command_line of a live target, `1 thread` ---------------------------------------

def test_threads_json_has_the_live_command_line_and_one_thread_is_singular(live):
    completed = run([CLI, "threads", "--pid", str(live.pid), "--json"])
    document = json.loads(completed.stdout)
    cmdline = Path(f"/proc/{live.pid}/cmdline").read_bytes().rstrip(b"\0").replace(b"\0", b" ").decode()
    assert document["target"]["command_line"] == cmdline
    sleeper = subprocess.Popen([str(interpreters.find("pyenv-3.12").executable), "-c",
                                "import sys, time; sys.stdout.write('ready\\n'); sys.stdout.flush(); "
                                "time.sleep(100)"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert sleeper.stdout.readline() == "ready\n"
        text = run([CLI, "threads", str(sleeper.pid)]).stdout
    finally:
        sleeper.kill()
        sleeper.wait()
    assert re.search(r"process \d+: 1 thread, ", text), text


# --- item 14: Python 3.6 and 2.7 ----------------------------------------------------------------

@pytest.mark.parametrize("version", ["2.7", "3.6", "3.7"])
def test_old_pythons_are_named_as_unsupported(version):
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    assert found, f"no pyenv {version} under {PYENV}"
    process = subprocess.Popen([str(found[0]), "-c",
                                "import sys, time; print('ready'); sys.stdout.flush(); time.sleep(100)"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "ready\n"
        completed = run([CLI, "xbt", "--pid", str(process.pid)])
    finally:
        process.kill()
        process.wait()
    assert completed.returncode == 1
    assert f"CPython {version} is not supported (3.8 and later)" in completed.stderr, completed.stderr


# --- gdb items: 2, 3, 17 ---------------------------------------------------------------------

def gdb_batch(pid, *commands, init=None):
    require(GDB_SCRIPT, "the gdb front-end")
    command = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off"]
    if init:
        command += ["-ix", init]
    command += ["-p", str(pid)]
    if not init:
        command += ["-ex", f"source {GDB_SCRIPT}"]
    for line in commands:
        command += ["-ex", line]
    return run(command, merge_stderr=True).stdout


def test_gdb_keeps_pyxray_commands_over_cpython_auto_load(debian_live, tmp_path):
    """pyxray sourced from an init file, then CPython's python3.11-gdb.py auto-loaded with
    /usr/bin/python3.11 at the attach: pyxray's py-list and py-locals answer, one line says
    where CPython's went, and `cpython py-list` is CPython's."""
    assert CPYTHON_AUTO_LOAD.exists(), "python3.11-dbg is not installed"
    init = tmp_path / "gdbinit"
    init.write_text(f"source {GDB_SCRIPT}\n")
    output = gdb_batch(debian_live.pid, "py-list", "help py-locals", "help cpython py-list", init=init)
    assert "Unable to read information on python frame" not in output, output[-3000:]
    assert output.count("pyxray: CPython's gdb helpers") == 1, output[-3000:]
    assert "cpython py-list" in output
    assert "A pyxray command" in output.split("help py-locals")[-1] or "A pyxray command" in output
    assert "List the current Python source code" in output, output[-3000:]


def test_gdb_completes_option_values_and_apropos_finds_the_commands(live):
    output = gdb_batch(live.pid, "complete py-sample --format fo", "complete py-sample --threads c",
                       "complete py-xbt --color=ne", "apropos pyxray")
    for wanted in ["py-sample --format folded", "py-sample --threads current", "py-xbt --color=never"]:
        assert re.search(rf"^{re.escape(wanted)}$", output, re.M), output[-3000:]
    for command in ["py-xbt", "py-threads", "py-sample", "py-refwatch", "py-list"]:
        assert re.search(rf"^{command} -- ", output, re.M), output[-3000:]


def test_gdb_sample_prints_no_signal_stops_from_stdin(live):
    """Commands from stdin (not -batch): gdb prints every stop on a signal set to print."""
    require(GDB_SCRIPT, "the gdb front-end")
    script = (f"source {GDB_SCRIPT}\ninfo signals SIG63\npy-sample --samples 20 --rate 100\n"
              "info signals SIG63\ninfo breakpoints\ndetach\nquit\n")
    command = ["gdb", "-nx", "-q", "-iex", "set debuginfod enabled off", "-p", str(live.pid)]
    completed = subprocess.run(command, input=script, capture_output=True, text=True, timeout=300,
                               env=tool_environment(command))
    output = completed.stdout + completed.stderr
    assert "samples in" in output, output[-3000:]
    assert "Program received signal SIG63" not in output, output[-3000:]
    assert output.count("Real-time event 63") == 2  # the two `info signals` lines
    before, after = re.findall(r"^SIG63\s+(.*)$", output, re.M)
    assert before == after
    assert "No breakpoints or watchpoints." in output


# --- item 4: an error names the command that hit it ----------------------------------------------

NT_FILE = 0x46494C45


def without_file_note(core, out):
    """A copy of `core` whose NT_FILE note is renamed to an unknown type: no mapped files."""
    data = bytearray(core.read_bytes())
    renamed = 0
    for offset, size in CoreLayout(core).notes:
        at = offset
        while at + 12 <= offset + size:
            name_size, desc_size, note_type = struct.unpack_from("<III", data, at)
            if note_type == NT_FILE:
                struct.pack_into("<I", data, at + 8, NT_FILE & ~0xFF)
                renamed += 1
            at += 12 + ((name_size + 3) & ~3) + ((desc_size + 3) & ~3)
    assert renamed == 1, f"{core} has {renamed} NT_FILE notes"
    out.write_bytes(bytes(data))


@pytest.mark.parametrize("command", ["py-threads", "py-up", "py-refcnt 0x10", "py-locals"])
def test_gdb_errors_name_the_command_that_hit_them(tmp_path, command):
    """A core without NT_FILE, moved away after gdb opened it: the modules fall back to `info proc
    mappings` (modules.py), which lists nothing. Its error used to be prefixed `py-xbt:`."""
    require(GDB_SCRIPT, "the gdb front-end")
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        made = run(["gcore", "-o", str(tmp_path / "sleep"), str(sleeper.pid)], merge_stderr=True)
    finally:
        sleeper.kill()
        sleeper.wait()
    core = tmp_path / f"sleep.{sleeper.pid}"
    assert core.exists(), made.stdout[-2000:]
    damaged = tmp_path / "nofile.core"
    without_file_note(core, damaged)
    output = run(["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-c", str(damaged),
                  "/usr/bin/sleep", "-ex", f"source {GDB_SCRIPT}",
                  "-ex", f"shell mv {damaged} {tmp_path / 'moved.core'}", "-ex", command],
                 merge_stderr=True).stdout
    name = command.split()[0]
    errors = [line for line in output.splitlines() if "cannot tell where files are mapped" in line]
    assert errors == [f"{name}: cannot tell where files are mapped: cannot read core '{damaged}': "
                      "No such file or directory; check the path; `info proc mappings`: it listed no "
                      "mapped files"], output[-3000:]

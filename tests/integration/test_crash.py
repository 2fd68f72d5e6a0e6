"""Crash-dump triage: `pyxray core`, and py-xbt -a in gdb and LLDB, on cores of
fixtures/crash/crash.py, compared with the record the program wrote just before it crashed.

Every crash kind on every build (as installed and stripped) gets a kernel-written core, read by
`pyxray core --json`. The other views rotate over the kinds, by the build's place in the matrix,
so each build and each kind meets every front-end somewhere within the CI budget: the CLI's text
report, gdb's and LLDB's py-xbt -a (text and JSON) on a kernel core, a core gdb wrote after the
program crashed under it, and a gcore of the program while it ran (no fatal signal). Each core is
deleted when its test ends.

faulthandler._sigsegv() sets RLIMIT_CORE to 0 before it crashes (faulthandler's
suppress_crash_report), so the kernel writes no core for it: that kind is read from cores gdb
writes, with every front-end.
"""

import json
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from support import frames as frame_tools
from support import interpreters
from conftest import matrix_ids
from support.core_layout import CoreLayout
from support.crash_fixture import KINDS, CrashCores, check_core_pattern, unlimited_cores
from support.drivers import ToolFailure, extract_json, run, run_gdb, run_lldb, CLI, require
from support.targets import REPO, SLEEP_SYSCALLS, prefix_copy

# kind -> (signal, the si_codes it may carry, whether a faulting address is recorded and 0)
EXPECTED = {
    "null_deref": ("SIGSEGV", {"SEGV_MAPERR"}, "zero"),
    "callback_null_deref": ("SIGSEGV", {"SEGV_MAPERR"}, "zero"),
    "failed_assert": ("SIGABRT", {"SI_TKILL"}, "none"),
    "stack_overflow": ("SIGSEGV", {"SEGV_MAPERR", "SEGV_ACCERR"}, "nonzero"),
    "os_abort": ("SIGABRT", {"SI_TKILL"}, "none"),
    # faulthandler._sigsegv() raise()s SIGSEGV on some versions and dereferences NULL on others
    "faulthandler_sigsegv": ("SIGSEGV", {"SI_TKILL", "SEGV_MAPERR"}, "any"),
}
SIGNO = {"SIGSEGV": 11, "SIGABRT": 6}

# One row per build in the end-of-run matrix; the tests check all three front-ends between them.
pytestmark = pytest.mark.matrix(frontend="crash", mode="core")


NO_KERNEL_CORE = "faulthandler_sigsegv"
KERNEL_KINDS = [kind for kind in KINDS if kind != NO_KERNEL_CORE]


def rotation(interp_id, offset, kinds=KERNEL_KINDS):
    return kinds[(matrix_ids().index(interp_id) + offset) % len(kinds)]


def cli_text_kind(interp_id):
    return rotation(interp_id, 1)


def gdb_kind(interp_id):
    return rotation(interp_id, 0)


def lldb_kind(interp_id):
    return rotation(interp_id, 2)


def gdb_written_kind(interp_id):
    return rotation(interp_id, 3, KINDS)


@pytest.fixture(scope="module")
def crash_cores(tmp_path_factory):
    cores = CrashCores(tmp_path_factory.mktemp("crash"))
    yield cores
    cores.close()


def pyxray_core(target, json_output):
    require(CLI, "the pyxray CLI")
    completed = run([CLI, "core", target.core, "--exe", target.executable,
                     *(["--json"] if json_output else [])])
    if completed.returncode != 0:
        raise ToolFailure(f"pyxray core failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return completed


def debugger_run(frontend, target):
    """py-xbt -a, then py-xbt -a --json, in one session: (text, document)."""
    commands = ["py-xbt -a", "py-xbt -a --json"]
    completed = run_gdb(target, commands) if frontend == "gdb" else run_lldb(target, commands)
    document = extract_json(completed, f"{frontend} py-xbt -a --json")
    text = completed.stdout[:completed.stdout.find('{"pyxray"')]
    return text, document


def main_record(target):
    return target.record["threads"][0]


def check_frames(thread, recorded, where):
    keys = frame_tools.oracle_keys(recorded)
    got = frame_tools.comparable(frame_tools.python_frames(thread), keys)
    want = frame_tools.comparable(recorded["frames"], keys)
    assert got == want, (f"{where}: thread {thread.get('tid')} ({recorded['name']}) Python frames "
                         f"differ from the record\n{frame_tools.describe(thread.get('frames', []))}")


def check_threads(document, target, where):
    """Every recorded thread's Python frames; the exception the main thread handles; none in
    the workers."""
    by_tid = frame_tools.threads_by_tid(document)
    for recorded in target.record["threads"]:
        thread = by_tid.get(recorded["native_id"])
        assert thread is not None, f"{where}: no thread {recorded['native_id']} ({recorded['name']})"
        check_frames(thread, recorded, where)
        if recorded["name"] == "MainThread":
            expected = dict(target.record["exception"], state="handling")
            assert thread["exception"] == expected, f"{where}: main thread's exception"
        else:
            assert thread["exception"] is None, f"{where}: {recorded['name']} handles no exception"


def check_crash(document, target, kind, frontend, where):
    signal, codes, address = EXPECTED[kind]
    crash = document["crash"]
    tid = main_record(target)["native_id"]
    assert crash is not None, f"{where}: no crash reported for {kind}"
    assert (crash["signal"], crash["signo"], crash["tid"]) == (signal, SIGNO[signal], tid), where
    if frontend == "lldb":  # lldb-16 reads neither si_code nor si_addr from a core
        assert (crash["code"], crash["code_name"], crash["address"]) == (None, None, None), where
    else:
        assert crash["code_name"] in codes, f"{where}: {crash}"
        if address == "zero" or (address == "any" and crash["code_name"] == "SEGV_MAPERR"):
            assert crash["address"] == "0x0", f"{where}: {crash}"
        elif address == "nonzero":
            assert crash["address"] not in (None, "0x0"), f"{where}: {crash}"
        elif address == "none" or crash["code_name"] == "SI_TKILL":
            assert crash["address"] is None, f"{where}: raise()d signals have no address: {crash}"
    first = document["threads"][0]
    assert first["tid"] == tid and first["crashed"], f"{where}: crashing thread {tid} is not first"
    assert [t["tid"] for t in document["threads"] if t["crashed"]] == [tid], where


def check_document(document, target, kind, frontend, where):
    check_crash(document, target, kind, frontend, where)
    check_threads(document, target, where)


def check_report_text(text, target, kind, where):
    signal, _, _ = EXPECTED[kind]
    tid = main_record(target)["native_id"]
    lines = text.splitlines()
    # NT_PRPSINFO keeps the first 79 bytes of the command line (the kernel: ELF_PRARGSZ less
    # its NUL) or 80 (gdb); pyxray drops the trailing space a cut between two arguments leaves
    full = target.record["command_line"]
    assert lines[0] in {f"Process {target.pid}: {full[:size].rstrip()}" for size in (79, 80)}, where
    assert re.match(rf"Fatal signal: {signal}( \(\w+\))?(, faulting address 0x[0-9a-f]+)?, "
                    rf"in thread {tid}$", lines[3]), f"{where}: {lines[3]!r}"
    crashing = lines.index("Crashing thread:")
    assert lines[crashing + 1].startswith(f'Thread {tid} "MainThread"'), where
    assert lines[crashing + 1].endswith(f", crashed with {signal}:"), where
    exception = target.record["exception"]
    assert lines[crashing + 2] == (f"  exception (handling): "
                                   f"{exception['type']}: {exception['message']}"), where
    others = lines.index("Other threads:")
    assert others > crashing, where
    headings = [line for line in lines[others:] if line.startswith("Thread ")]
    names = sorted(re.match(r'Thread \d+ "(\w+)"', h).group(1) for h in headings)
    assert names == ["sleeper", "waiter"], where


def check_debugger_text(text, target, kind, where):
    signal, _, _ = EXPECTED[kind]
    tid = main_record(target)["native_id"]
    assert re.search(rf"^Fatal signal: {signal}\b.*, in thread {tid}$", text, re.MULTILINE), where
    headings = [line for line in text.splitlines() if line.startswith("Thread ")]
    assert headings and headings[0].startswith(f"Thread {tid} ") and \
        headings[0].endswith(f", crashed with {signal}:"), f"{where}: {headings}"


def check_debuggers(frontends, target, kind, where):
    """py-xbt -a, text and JSON, in each of these debuggers on the crash core."""
    for frontend in frontends:
        text, document = debugger_run(frontend, target)
        check_debugger_text(text, target, kind, f"{frontend} py-xbt -a on {where}")
        check_document(document, target, kind, frontend, f"{frontend} py-xbt -a --json on {where}")


@pytest.mark.parametrize("kind", KERNEL_KINDS)
def test_kernel_core(interp_id, kind, interpreter, crash_cores):
    """`pyxray core --json` on every kind; text and the debuggers where the rotation says."""
    target = crash_cores.kernel_core(interpreter, kind)
    try:
        where = f"{interp_id} {kind} kernel core"
        document = extract_json(pyxray_core(target, True), "pyxray core --json")
        check_document(document, target, kind, "cli", f"pyxray core --json on {where}")
        if kind == cli_text_kind(interp_id):
            check_report_text(pyxray_core(target, False).stdout, target, kind, f"pyxray core on {where}")
        assigned = {"gdb": gdb_kind(interp_id), "lldb": lldb_kind(interp_id)}
        check_debuggers([frontend for frontend in assigned if assigned[frontend] == kind],
                        target, kind, where)
    finally:
        crash_cores.discard(target)


def test_gdb_written_core(interp_id, interpreter, crash_cores):
    """A core gdb wrote after the program crashed under it names the fatal signal too."""
    kind = gdb_written_kind(interp_id)
    target = crash_cores.gdb_core(interpreter, kind)
    try:
        where = f"{interp_id} {kind} gdb-written core"
        document = extract_json(pyxray_core(target, True), "pyxray core --json")
        check_document(document, target, kind, "cli", f"pyxray core --json on {where}")
        if kind == NO_KERNEL_CORE:  # its only cores: the text report is checked here
            check_report_text(pyxray_core(target, False).stdout, target, kind, f"pyxray core on {where}")
        check_debuggers(("gdb", "lldb") if kind == NO_KERNEL_CORE else ("gdb",), target, kind, where)
    finally:
        crash_cores.discard(target)


def test_gcore_of_running_process(interp_id, interpreter, crash_cores):
    """A gcore of a process that had not crashed: no fatal signal, every thread as recorded."""
    target = crash_cores.gcore_of_running(interpreter)
    try:
        where = f"{interp_id} gcore of a running process"
        text = pyxray_core(target, False).stdout
        assert text.splitlines()[3] == \
            "No fatal signal: written by a debugger (gcore) while the process ran", f"{where}:\n{text}"
        assert "crashed with" not in text and "Crashing thread:" not in text, where
        document = extract_json(pyxray_core(target, True), "pyxray core --json")
        assert document["crash"] is None, where
        check_threads(document, target, f"pyxray core --json on {where}")
        frontend = "gdb" if matrix_ids().index(interp_id) % 2 == 0 else "lldb"
        text, document = debugger_run(frontend, target)
        assert document["crash"] is None and "Fatal signal" not in text, f"{frontend} on {where}"
        check_threads(document, target, f"{frontend} py-xbt -a --json on {where}")
    finally:
        crash_cores.discard(target)


@pytest.mark.parametrize("arguments, message", [
    (["/nonexistent/core"], "cannot read core '/nonexistent/core': No such file or directory"),
    ([str(__file__)], "not an ELF file"),
    ([], "CORE is required"),
])
def test_core_bad_input(arguments, message):
    """A clear one-line error and exit status 1, never a traceback or a crash."""
    require(CLI, "the pyxray CLI")
    completed = run([CLI, "core", *arguments])
    assert completed.returncode == 1, completed
    assert completed.stdout == ""
    assert completed.stderr.startswith("pyxray: ") and message in completed.stderr
    assert completed.stderr.count("\n") == 1, completed.stderr


# ---- cores the triage must not trust blindly: cut short, or of a program without CPython ----

NATIVE_CRASH_SOURCE = REPO / "fixtures" / "native" / "native_crash.c"
# One interpreter suffices: the truncation is read from the core's program headers, not from
# Python's structures.
TRUNCATED_ID = "pyenv-3.12"


def program_header_truth(core, size):
    """What the PT_LOAD headers of `core` promise and a copy cut to `size` bytes loses."""
    layout = CoreLayout(core)
    held = [(offset, filesz) for _, _, offset, filesz in layout.loads if filesz]
    missing = sum(offset + filesz - max(offset, size) for offset, filesz in held if offset + filesz > size)
    cut = sum(1 for offset, filesz in held if offset + filesz > size)
    return {"segments": len(held), "segment_bytes": sum(filesz for _, filesz in held),
            "missing_bytes": missing, "incomplete_segments": cut, "file_size": size}


def test_truncated_kernel_core_says_so(crash_cores, tmp_path):
    """A kernel core of a crash cut to a fifth (a full disk): the truncation first, in text and
    JSON, and a failure when no Python thread state survived the cut."""
    interpreter = interpreters.find(TRUNCATED_ID)
    target = crash_cores.kernel_core(interpreter, "null_deref")
    try:
        cut = prefix_copy(target.core, tmp_path / "fifth.core", target.core.stat().st_size // 5)
        truth = program_header_truth(target.core, cut.stat().st_size)
        assert truth["incomplete_segments"] > 0, truth
        text = run([CLI, "core", cut, "--exe", target.executable])
        first = text.stdout.splitlines()[0]
        assert first.startswith("warning: the core is truncated: "), text.stdout[:2000]
        assert (f"{truth['missing_bytes']} bytes), "
                f"{truth['incomplete_segments']} segments cut short") in first, first
        document = json.loads(run([CLI, "core", cut, "--exe", target.executable, "--json"]).stdout)
        reported = document["target"]["truncated"]
        assert {key: reported[key] for key in truth} == truth, reported
        decoded = [thread for thread in document["threads"] if thread["python"]]
        # This cut loses _PyRuntime's thread states (libpython's data lies past the fifth), as in
        # the field report: every view says so and fails.
        assert not decoded, f"a thread state survived the cut: {decoded}"
        assert text.returncode == 1, f"pyxray core: exit {text.returncode}"
        assert text.stderr.startswith(
            "pyxray: no Python thread state could be decoded: the core is truncated: "), text.stderr
        assert text.stderr.count("\n") == 1, text.stderr
        assert re.search(rf"^Fatal signal: SIGSEGV .*, in thread {main_record(target)['native_id']}$",
                         text.stdout, re.MULTILINE), text.stdout[:2000]
        # xbt and threads, which are about Python state alone, fail with one line saying why.
        for command in (["xbt", "--core", cut], ["threads", "--core", cut]):
            completed = run([CLI, *command, "--exe", target.executable])
            assert completed.returncode == 1, f"pyxray {command[0]}: exit {completed.returncode}"
            assert "the core is truncated" in completed.stderr and completed.stderr.count("\n") == 1, \
                completed.stderr
    finally:
        crash_cores.discard(target)


@pytest.fixture(scope="module")
def native_crash_core(tmp_path_factory):
    """native_crash.c built and run with cores enabled: (core, executable, record)."""
    directory = tmp_path_factory.mktemp("native-crash")
    executable = directory / "native_crash"
    subprocess.run(["gcc", "-g", "-O1", "-pthread", NATIVE_CRASH_SOURCE, "-o", executable], check=True)
    check_core_pattern()
    completed = subprocess.run([executable, directory / "record.json"], cwd=directory,
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                               preexec_fn=unlimited_cores)
    assert completed.returncode == -signal.SIGSEGV, completed
    record = json.loads((directory / "record.json").read_text())
    core = next(path for path in (directory / "core", directory / f"core.{record['pid']}") if path.exists())
    yield core, executable, record
    shutil.rmtree(directory, ignore_errors=True)


def test_core_of_a_program_without_cpython(native_crash_core):
    """The signal, the faulting address, every thread's native stack, then one line: no CPython."""
    require(CLI, "the pyxray CLI")
    core, executable, record = native_crash_core
    completed = run([CLI, "core", core, "--exe", executable])
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    lines = completed.stdout.splitlines()
    pid = record["pid"]
    assert f"Fatal signal: SIGSEGV (SEGV_MAPERR), faulting address 0x0, in thread {pid}" in lines, lines[:6]
    assert "Python:" not in completed.stdout
    headings = [line for line in lines if line.startswith("Thread ")]
    assert sorted(int(re.match(r"Thread (\d+)", heading).group(1)) for heading in headings) == \
        sorted([pid, *record["workers"]]), headings
    assert headings[0] == f"Thread {pid} (no Python thread state), crashed with SIGSEGV:", headings
    crashing = completed.stdout.split("Crashing thread:")[1].split("Other threads:")[0]
    assert re.search(r"#0 +C +crash_now \(native_crash\)", crashing), crashing
    assert re.search(r"C +main \(native_crash\)", crashing), crashing
    assert completed.stdout.count("blocked_worker (native_crash)") == 2, completed.stdout
    assert lines[-1].startswith(f"no CPython runtime in core of process {pid}") and \
        lines[-1].endswith("is this a Python process?"), lines[-1]
    document = json.loads(run([CLI, "core", core, "--exe", executable, "--json"]).stdout)
    assert (document["crash"]["signal"] == "SIGSEGV"
            and document["crash"]["address"] == "0x0"), document["crash"]
    assert len(document["threads"]) == 3 and document["target"]["python_version"] is None, document
    assert document["no_runtime"] == lines[-1]


def test_core_of_sleep_killed_with_sigabrt(tmp_path):
    """`sleep` killed with SIGABRT: a kernel core of a one-thread C program, no faulting address."""
    require(CLI, "the pyxray CLI")
    check_core_pattern()
    process = subprocess.Popen(["sleep", "100"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                               preexec_fn=unlimited_cores)
    wait_until_sleeping(process.pid)
    process.send_signal(signal.SIGABRT)
    assert process.wait(timeout=60) == -signal.SIGABRT
    core = next(path for path in (tmp_path / "core", tmp_path / f"core.{process.pid}") if path.exists())
    completed = run([CLI, "core", core])
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert f"Fatal signal: SIGABRT (SI_USER), in thread {process.pid}" in lines, lines[:6]
    assert re.search(r"#\d+ +C +\S*(nanosleep|clock_nanosleep)\S* \(libc\.so\.6\)", completed.stdout), \
        completed.stdout
    assert lines[-1].startswith(f"no CPython runtime in core of process {process.pid}"), lines[-1]


def wait_until_sleeping(pid, timeout=30.0):
    """Until the process sits in a sleep syscall (so its core shows the sleep)."""
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}/syscall").read_text().split()[0] not in SLEEP_SYSCALLS:
        assert time.monotonic() < deadline, f"pid {pid} never slept"
        time.sleep(0.01)

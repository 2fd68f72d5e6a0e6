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

import re

import pytest

import frames as frame_tools
from conftest import matrix_ids
from crash_fixture import KINDS, CrashCores
from drivers import ToolFailure, extract_json, run, run_gdb, run_lldb, CLI, require

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
    assert lines[crashing + 2] == f"  exception (handling): {exception['type']}: {exception['message']}", where
    others = lines.index("Other threads:")
    assert others > crashing, where
    headings = [line for line in lines[others:] if line.startswith("Thread ")]
    assert sorted(re.match(r'Thread \d+ "(\w+)"', h).group(1) for h in headings) == ["sleeper", "waiter"], where


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
        check_debuggers([frontend for frontend in assigned if assigned[frontend] == kind], target, kind, where)
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

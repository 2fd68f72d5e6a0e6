"""py-refwatch and py-refcnt in gdb and LLDB on fixtures/refleak: the C extension built per
interpreter, the driver launched under the debugger, stopped in refleak.ready(token).

One debugger session per (interpreter, debugger) follows the Token through each leak fixture
with --each-line, each watch ending at the test's own breakpoint in refleak.done() (which
leaves the target stopped there), and checks the leaky return lines and their call counts
against the driver's CALLS, that the correct twin has none, that py-refcnt agrees with the
program's sys.getrefcount/repr, that no breakpoint or watchpoint of py-refwatch's is left,
and that bad input is one line. Budget (CI, about 4 minutes on 2 shared cores): see
test_leak_hunt for who runs what; the hardware-watchpoint mode and cores run on one build per
object-header family (3.8, 3.12, 3.13t), the free-threaded one in both debuggers.
"""

import json
import re
import shutil

import pytest

from support import interpreters
from support import stripped
from support.drivers import GDB_SCRIPT, LLDB, LLDB_PLUGIN, JSON_START, ToolFailure, require, run
from support.extensions import build_extension
from support.targets import REPO

REFLEAK_DIR = REPO / "fixtures" / "refleak"
SOURCE = REFLEAK_DIR / "refleak.c"
DRIVER = REFLEAK_DIR / "refleak.py"
DEBUGGERS = ["gdb", "lldb"]

# One row per build in the end-of-run matrix.
pytestmark = pytest.mark.matrix(frontend="refwatch", mode="live")

# function -> the markers of its leaky return lines, with (calls, net per call), from CALLS in
# refleak.py; every other return line of the function must balance.
LEAKS = {
    "lookup_leaky": {"RETURN-LEAKY": (7, 1)},
    "lookup_balanced": {},
    "count_in_loop": {"RETURN-LOOP": (4, 3)},
    "check_or_fail": {"RETURN-ERROR-LEAKY": (3, 1)},
}
BALANCED_RETURNS = {
    "lookup_leaky": {"RETURN-LEAKY-CLEAN": 5},
    "lookup_balanced": {"RETURN-BALANCED-CACHED": 7, "RETURN-BALANCED": 5},
    "count_in_loop": {},
    "check_or_fail": {"RETURN-ERROR-CLEAN": 5},
}
# One build per object-header family for the watchpoint mode and the cores: plain ob_refcnt
# without immortals (3.8), with 3.12's immortal bit, and the free-threaded split count.
FAMILY_IDS = ["pyenv-3.8", "pyenv-3.12", "debian-3.13t"]
# Both debuggers run all four fixtures on one build per layout family of the frame walker and
# object header: 3.8 (frame objects), Debian's LTO 3.11, 3.12 (immortals) and 3.13t.
FULL_IDS = ["pyenv-3.8", "debian-3.11", "pyenv-3.12", "debian-3.13t"]
# Stripped copies get one leak hunt (the one-return-path leak): what stripping changes is how
# pyxray finds the runtime, which the other test files cover on every stripped build.
STRIPPED_FUNCTIONS = ["lookup_leaky"]


def marker_line(marker):
    pattern = re.compile(rf"\b{re.escape(marker)}\b(?!-)")
    for number, text in enumerate(SOURCE.read_text().splitlines(), start=1):
        if pattern.search(text):
            return number
    raise AssertionError(f"no {marker} in {SOURCE}")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    directory = tmp_path_factory.mktemp("refwatch")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def _prepare(interp_id, workspace):
    interpreter = interpreters.find(interp_id)
    extension = build_extension(interpreter, SOURCE, "refleak", workspace / f"ext-{interp_id}")
    workdir = workspace / f"run-{interp_id}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    return interpreter, extension, workdir


def _program(interpreter, extension, workdir):
    return [str(interpreter.executable), str(DRIVER), str(workdir / "record.json"), str(extension)]


def gdb_session(interpreter, extension, workdir, commands):
    """gdb launches the driver, stops in refleak.ready and runs `commands` there."""
    require(GDB_SCRIPT, "the gdb front-end")
    environment = [part for name, value in interpreter.environment
                   for part in ("-iex", f"set environment {name}={value}")]
    # On a sanitized build gdb runs with the sanitizer runtimes preloaded (drivers.tool_environment);
    # the program it launches must not inherit them: a core of an ASan process's shadow memory is
    # not one gdb can write.
    command = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-iex", "set auto-load no",
               "-iex", "set breakpoint pending on", "-iex", "unset environment LD_PRELOAD",
               *environment, "-ex", f"source {GDB_SCRIPT}",
               "-ex", "break ready", "-ex", "run", "-ex", "delete"]
    for line in commands:
        command += ["-ex", line]
    command += ["-ex", "kill", "--args", *_program(interpreter, extension, workdir)]
    return run(command, merge_stderr=True)


def lldb_session(interpreter, extension, workdir, commands):
    """lldb-16 launches the driver, stops in refleak.ready and runs `commands` there; -b stops
    at the first failing command, so only the last may fail."""
    require(LLDB_PLUGIN, "the LLDB plugin")
    program = _program(interpreter, extension, workdir)
    command = [LLDB, "--no-lldbinit", "-b", "-o", f"plugin load {LLDB_PLUGIN}",
               "-o", "breakpoint set -n ready"]
    for name, value in interpreter.environment:
        command += ["-o", f"settings set target.env-vars {name}={value}"]
    command += ["-o", "process launch", "-o", "breakpoint delete -f"]
    for line in commands:
        command += ["-o", line]
    command += ["--", *program]
    return run(command, merge_stderr=True)


SESSIONS = {"gdb": gdb_session, "lldb": lldb_session}
STOP_AT_DONE = {"gdb": "break done", "lldb": "breakpoint set -n done"}
LIST_STOPS = {"gdb": ["info breakpoints"], "lldb": ["breakpoint list", "watchpoint list"]}


def json_documents(output):
    decoder, documents = json.JSONDecoder(), []
    for match in JSON_START.finditer(output):
        try:
            documents.append(decoder.raw_decode(output, match.start())[0])
        except json.JSONDecodeError:
            continue
    return documents


def hunt_commands(debugger, functions):
    """py-refcnt, then one py-refwatch --each-line per function, each ended by the test's own
    breakpoint in done(); py:token the first time (the frame is ready's caller), obj's address
    from py-refcnt's JSON after."""
    commands = ["py-refcnt obj --json", "py-refcnt py:token", STOP_AT_DONE[debugger]]
    for function in functions:
        commands.append(f"py-refwatch py:token --each-line {function} --json")
    return commands + LIST_STOPS[debugger]


def check_refcnt(document, record):
    refcnt = document["refcnt"]
    assert int(refcnt["object"], 16) == record["address"]
    assert refcnt["refcount"] == record["refcount"]
    assert refcnt["type"] == record["type"] and refcnt["repr"] == record["repr"]
    assert refcnt["immortal"] is False


def check_hunt(document, function, record):
    watch = document["refwatch"]
    assert int(watch["object"], 16) == record["address"] and watch["type"] == "Token"
    leaky = {(entry["line"], entry["calls"], entry["net_per_call"]) for entry in watch["leaky_returns"]}
    expected = {(marker_line(marker), calls, per_call)
                for marker, (calls, per_call) in LEAKS[function].items()}
    assert leaky == expected, f"{function}: {watch['leaky_returns']}"
    returns = {entry["line"]: (entry["calls"], entry["net"]) for entry in watch["returns"]}
    for marker, calls in BALANCED_RETURNS[function].items():
        assert returns.get(marker_line(marker)) == (calls, 0), f"{function}: {watch['returns']}"
    assert all(entry["file"].endswith("refleak.c") for entry in watch["leaky_returns"])
    assert all(entry["function"] == function for entry in watch["leaky_returns"])
    assert watch["ended"] == "the target stopped at another breakpoint"
    assert re.match(r"breakpoint \d+ in done \(.*refleak\.c:\d+\)$", watch["end_detail"]), watch["end_detail"]
    return watch


def check_no_stops_left(debugger, output):
    tail = output[output.rfind("\n}\n"):]  # after the last py-refwatch's JSON
    if debugger == "gdb":
        # only the test's own breakpoint in done() remains
        rows = [line for line in tail.splitlines() if re.match(r"^\d+\s+(hw )?(break|watch)", line)]
        assert len(rows) == 1 and "in done at" in tail, tail[-1500:]
    else:
        rows = re.findall(r"^\d+: .*$", tail, re.M)
        assert len(rows) == 1 and "name = 'done'" in rows[0], tail[-1500:]
        assert "No watchpoints currently set." in tail, tail[-1500:]


def run_hunt(interp_id, debugger, workspace, functions):
    interpreter, extension, workdir = _prepare(interp_id, workspace)
    completed = SESSIONS[debugger](interpreter, extension, workdir, hunt_commands(debugger, functions))
    output = completed.stdout
    record = json.loads((workdir / "record.json").read_text())
    documents = json_documents(output)
    refcnts = [document for document in documents if "refcnt" in document]
    hunts = [document for document in documents if "refwatch" in document]
    if len(refcnts) != 1 or len(hunts) != len(functions):
        raise ToolFailure(f"{debugger} on {interp_id}: {len(refcnts)} py-refcnt and {len(hunts)} py-refwatch "
                          f"documents, wanted 1 and {len(functions)}:\n{output[-4000:]}")
    check_refcnt(refcnts[0], record)
    assert f"refcnt {record['refcount']}, type Token, {record['repr']}" in output
    for document, function in zip(hunts, functions):
        check_hunt(document, function, record)
    loop = hunts[functions.index("count_in_loop")]["refwatch"] if "count_in_loop" in functions else None
    if loop:
        sites = {entry["line"]: entry for entry in loop["sites"]}
        assert sites[marker_line("LOOP-INCREF")]["increments"] == 12
    check_no_stops_left(debugger, output)
    return output


def alternate(interp_id):
    """gdb or LLDB, alternating along the matrix, so each meets half of the builds."""
    original = stripped.split_id(interp_id)[0]
    return DEBUGGERS[interpreters.INTERPRETER_IDS.index(original) % len(DEBUGGERS)]


def test_leak_hunt(interp_id, workspace):
    """Every build of the matrix (conftest parametrises interp_id): the four fixtures in both
    debuggers on one build per layout family, in one debugger (alternating) on the other
    builds as installed; the one-return-path leak in one debugger on stripped copies."""
    if stripped.split_id(interp_id)[1]:
        run_hunt(interp_id, alternate(interp_id), workspace, STRIPPED_FUNCTIONS)
        return
    for debugger in DEBUGGERS if interp_id in FULL_IDS else [alternate(interp_id)]:
        run_hunt(interp_id, debugger, workspace, list(LEAKS))


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_user_breakpoint_in_the_watched_function_is_followed(debugger, workspace):
    """The user's own breakpoint on the --each-line function (set before py-refwatch, as when
    they stopped there first) is part of following the object: the watch goes through every
    call without announcing those stops (in gdb as in LLDB), finds the leaky return, and ends
    at the breakpoint in done(), which it names. gdb's breakpoint speaks again afterwards."""
    interpreter, extension, workdir = _prepare("pyenv-3.12", workspace)
    user_break = {"gdb": "break lookup_leaky", "lldb": "breakpoint set -n lookup_leaky"}[debugger]
    commands = [user_break, STOP_AT_DONE[debugger], "py-refwatch py:token --each-line lookup_leaky --json"]
    if debugger == "gdb":
        commands.append("python print('silent after:', gdb.breakpoints()[0].silent)")
    output = SESSIONS[debugger](interpreter, extension, workdir, commands).stdout
    record = json.loads((workdir / "record.json").read_text())
    hunts = [document for document in json_documents(output) if "refwatch" in document]
    assert len(hunts) == 1, output[-3000:]
    check_hunt(hunts[0], "lookup_leaky", record)
    assert not re.search(r"^Breakpoint \d+, lookup_leaky|`lookup_leaky\(", output, re.M), output[-3000:]
    if debugger == "gdb":
        assert "silent after: False" in output, output[-3000:]


WATCH_COUNT = 3

WATCH_PROBE = """volatile long watched;
int main(void) { for (int i = 0; i < 3; i++) watched += 1; return 0; }
"""


@pytest.fixture(scope="module")
def hardware_watchpoints(workspace):
    """Whether this machine's CPU fires hardware watchpoints for a traced process: some VMs hide
    the debug registers, and then gdb and LLDB set watchpoints that never trigger (this project's
    CI machine on 2026-12-06). Probed with gdb on a C program that writes a watched variable."""
    source = workspace / "watch_probe.c"
    source.write_text(WATCH_PROBE)
    program = workspace / "watch_probe"
    run(["cc", "-g", "-O0", str(source), "-o", str(program)])
    output = run(["gdb", "-nx", "-batch", "-ex", "break main", "-ex", "run", "-ex", "watch -l watched",
                  "-ex", "continue", str(program)], merge_stderr=True).stdout
    assert "Hardware watchpoint 2: -location watched" in output, output[-2000:]
    return "Old value = 0" in output


@pytest.mark.parametrize("build,debugger", [("pyenv-3.8", "lldb"), ("pyenv-3.12", "gdb"),
                                            ("debian-3.13t", "gdb"), ("debian-3.13t", "lldb")])
def test_watchpoint_mode(build, debugger, workspace, hardware_watchpoints):
    """The default mode: a hardware watchpoint on the refcount field(s), ended by --count; the
    watchpoint is gone afterwards and the target is left stopped, alive. Where the CPU fires no
    hardware watchpoint, the target runs to its end and py-refwatch says what that probably means."""
    interpreter, extension, workdir = _prepare(build, workspace)
    alive = {"gdb": "info inferiors", "lldb": "process status"}[debugger]
    commands = [f"py-refwatch obj --count {WATCH_COUNT}", *LIST_STOPS[debugger], alive]
    output = SESSIONS[debugger](interpreter, extension, workdir, commands).stdout
    if not hardware_watchpoints:
        assert "0 change(s); ended: the target exited" in output, output[-3000:]
        assert "no hardware watchpoint fired" in output and "--each-line FUNCTION" in output
        # lldb-16 deletes no watchpoint of an exited process (Target::RemoveWatchpointByID wants
        # a live one), so there py-refwatch's stays listed: only gdb's cleanup is checked here.
        if debugger == "gdb":
            assert "No breakpoints or watchpoints." in output, output[-3000:]
        return
    changes = re.findall(r"^refcnt (\d+) -> (\d+) at .+? <- .+refleak\.py:\d+$", output, re.M)
    assert len(changes) == WATCH_COUNT, output[-3000:]
    assert all(abs(int(new) - int(old)) == 1 for old, new in changes)
    assert f"{WATCH_COUNT} change(s); ended: the --count of changes was reached" in output
    if debugger == "gdb":
        assert "No breakpoints or watchpoints." in output and re.search(r"\* 1 +process \d+", output)
    else:
        assert "No breakpoints currently set." in output and "No watchpoints currently set." in output
        assert re.search(r"Process \d+ stopped", output[output.rfind("process status"):])


# Each family's core in one debugger, the free-threaded one in both.
CORE_CASES = [("pyenv-3.8", "gdb"), ("pyenv-3.12", "lldb"), ("debian-3.13t", "gdb"), ("debian-3.13t", "lldb")]


@pytest.mark.parametrize("build,debugger", CORE_CASES)
def test_refcnt_on_core(build, debugger, workspace):
    """py-refcnt on a core gdb wrote while the program sat in ready(token)."""
    interpreter, extension, workdir = _prepare(build, workspace)
    core = workdir / "ready.core"
    gdb_session(interpreter, extension, workdir, [f"generate-core-file {core}"])
    record = json.loads((workdir / "record.json").read_text())
    address = f"{record['address']:#x}"
    if debugger == "gdb":
        command = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-c", core,
                   interpreter.executable, "-ex", f"source {GDB_SCRIPT}",
                   "-ex", f"py-refcnt {address} --json", "-ex", "py-refwatch obj"]
    else:
        command = [LLDB, "--no-lldbinit", "-b", "-o", f"target create --core {core} {interpreter.executable}",
                   "-o", f"plugin load {LLDB_PLUGIN}", "-o", f"py-refcnt {address} --json",
                   "-o", f"py-refwatch {address}"]
    output = run(command, merge_stderr=True).stdout
    core.unlink()
    documents = [document for document in json_documents(output) if "refcnt" in document]
    assert len(documents) == 1, output[-3000:]
    check_refcnt(documents[0], record)
    assert "py-refwatch: a core cannot run" in output


BAD_INPUT = [
    ("py-refcnt 0x10", "py-refcnt: cannot read 0x10: not an object"),
    ("py-refcnt", "py-refcnt: no object given; usage: py-refcnt OBJECT [--json]"),
    ("py-refwatch obj --bogus", "py-refwatch: unknown option '--bogus'; valid options: --each-line FUNCTION"),
    ("py-refwatch obj --count zero", "py-refwatch: --count needs a positive number, not 'zero'"),
    ("py-refwatch obj --each-line no_such_function",
     "py-refwatch: --each-line: no C function 'no_such_function'"),
    ("py-refcnt no_such_variable", "py-refcnt: cannot evaluate 'no_such_variable'"),
    ("py-refcnt py:no_such_name", "py-refcnt: name 'no_such_name' is not defined in main"),
]


def test_bad_input_gdb(workspace):
    """Each bad command is one line, and the session goes on: py-refcnt still answers after."""
    interpreter, extension, workdir = _prepare("pyenv-3.12", workspace)
    commands = [command for command, _ in BAD_INPUT] + ["py-refcnt obj", "info breakpoints"]
    output = gdb_session(interpreter, extension, workdir, commands).stdout
    for _, message in BAD_INPUT:
        lines = [line for line in output.splitlines() if message in line]
        assert len(lines) == 1 and lines[0].startswith(message.split(":")[0]), (message, output[-3000:])
    assert "Traceback" not in output
    assert re.search(r"refcnt \d+, type Token", output) and "No breakpoints or watchpoints." in output


def test_bad_input_lldb(workspace):
    """LLDB -b stops at the first failing command: one bad command (an address that holds no
    object) ends the session; gdb's test above covers the rest of BAD_INPUT."""
    command, message = BAD_INPUT[0]
    interpreter, extension, workdir = _prepare("pyenv-3.12", workspace)
    completed = lldb_session(interpreter, extension, workdir, ["py-refcnt obj", command])
    lines = [line for line in completed.stdout.splitlines() if message in line]
    assert len(lines) == 1 and lines[0].startswith("error: "), completed.stdout[-3000:]
    assert re.search(r"refcnt \d+, type Token", completed.stdout)

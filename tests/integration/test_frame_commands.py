"""py-frame, py-up, py-down, py-locals, py-print and py-list in gdb and LLDB, live and on cores,
on the `objects` thread of stacks.py (blocked in hold_objects, called by Thread.run)."""

import re

import pytest

from support.drivers import GDB_WITHOUT_DEBUG_INFO, HIDE_DEBUG_INFO, lldb_command, run, run_gdb
from support.frames import recorded_threads

MARK = "=={}=="
# (command, what it must print); None: an error line that names the problem
SCRIPT = [
    ("py-frame", r"#0\s+Py\s+hold_objects \(.*stacks\.py:\d+\)"),
    ("py-locals", r"small = 42"),
    ("py-print ucs2_text", r"local 'ucs2_text' = 'Ωmega'"),
    ("py-print HOUR", r"global 'HOUR' = 3600\.0"),
    ("py-print int", r"builtin 'int' = <class 'int'>"),
    ("py-list", r">\s*\d+\s+arrivals\.arrive\(\"objects\"\); time\.sleep\(HOUR\)"),
    ("py-down", None),
    ("py-up", r"#1\s+Py\s+(Thread\.)?run \(.*threading\.py:\d+\)"),
    ("py-locals", r"self = "),
    ("py-print small", None),
    ("py-down", r"#0\s+Py\s+hold_objects"),
    ("py-frame 9999", None),
    ("py-print no_such_name", None),
    ("py-locals 0 --max-items 2", r"digit_edges = \[1073741823, 1073741824(?!, 1152921504606846976)"),
    ("py-up --bogus", None),
]
ERRORS = {
    "py-down": "newest",
    "py-print small": "not defined",
    "py-frame 9999": "no Python frame #9999",
    "py-print no_such_name": "no_such_name",
    "py-up --bogus": "--bogus",
}


def objects_tid(target):
    return recorded_threads(target.record)["objects"]["tid"]


def sections(output, count):
    """What each command printed, split at the markers printed before each."""
    parts = []
    for index in range(count):
        start = output.find(MARK.format(index) + "\n")
        assert start >= 0, f"command #{index} never ran:\n{output[-3000:]}"
        end = output.find(MARK.format(index + 1) + "\n", start)
        parts.append(output[start + len(MARK.format(index)) + 1:end if end >= 0 else None])
    return parts


def gdb_session(target, extra_iex=()):
    select = ("python [t.switch() for t in gdb.selected_inferior().threads() "
              f"if t.ptid[1] == {objects_tid(target)}]")
    commands = [select]
    for index, (command, _) in enumerate(SCRIPT):
        commands += [f"echo {MARK.format(index)}\\n", command]
    commands += [f"echo {MARK.format(len(SCRIPT))}\\n", "frame"]
    return run_gdb(target, commands, extra_iex, merge_stderr=True).stdout


def lldb_session(target):
    """Commands on stdin, so a failing one does not end the session as -b would."""
    lines = [f"script lldb.process.SetSelectedThreadByID({objects_tid(target)})"]
    for index, (command, _) in enumerate(SCRIPT):
        lines += [f'script print("{MARK.format(index)}")', command]
    lines += [f'script print("{MARK.format(len(SCRIPT))}")', "frame info"]
    if target.kind == "live":
        lines.append("process detach")
    lines.append("quit")
    completed = run(lldb_command(target, [], batch=False, detach=False), stdin_text="\n".join(lines) + "\n",
                    merge_stderr=True)
    return completed.stdout


@pytest.fixture
def session_output(frontend, target):
    if frontend == "lldb":
        return lldb_session(target)
    extra = HIDE_DEBUG_INFO if frontend == GDB_WITHOUT_DEBUG_INFO else ()
    return gdb_session(target, extra)


@pytest.mark.frontends("gdb", "lldb")
def test_frame_commands(interp_id, frontend, mode, target, session_output):
    assert "Traceback" not in session_output and "Python Exception" not in session_output, \
        session_output[-3000:]
    printed = sections(session_output, len(SCRIPT) + 1)
    for index, (command, expected) in enumerate(SCRIPT):
        text = printed[index]
        if expected is None:
            # LLDB echoes each command read from stdin as "(lldb) COMMAND"
            error_lines = [line for line in text.splitlines()
                           if ERRORS[command] in line and not line.startswith("(lldb) ")]
            assert len(error_lines) == 1, f"`{command}`: expected one error naming " \
                                          f"{ERRORS[command]!r}, got:\n{text}"
        else:
            assert re.search(expected, text), f"`{command}`: no {expected!r} in:\n{text}"
    # py-down back to #0 selected the eval-loop frame that runs hold_objects
    assert "EvalFrame" in printed[-1] or "PyEval" in printed[-1], \
        f"the native frame selected after py-down is not the eval loop:\n{printed[-1]}"

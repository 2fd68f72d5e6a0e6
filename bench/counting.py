"""Count the Python frames a backtrace command printed, so a broken command cannot look fast.

Shared by run.py and by the snippets that run inside gdb and LLDB (standard library only).
"""

import re

# pyxray's text renderer: "Thread 123 (Python):" then "#0   Py  qualname (file:line)"
XBT_THREAD = re.compile(r"^Thread (\d+) \(")
XBT_PYTHON_FRAME = re.compile(r"^#\d+\s+Py\s")
# CPython's py-bt: '  File "/path.py", line 7, in f' per frame (the source line follows it)
PY_BT_FRAME = re.compile(r'^  File ".*", line \d+, in ')
# gdb's `thread apply all bt`: "Thread 4 (Thread 0x7f... (LWP 123) "deep"):"
GDB_BT_THREAD = re.compile(r"^Thread \d+ \(.*LWP (\d+)")


def xbt_frames_by_thread(text):
    """tid -> number of Python frames, for every thread pyxray printed."""
    counts = {}
    current = None
    for line in text.splitlines():
        heading = XBT_THREAD.match(line)
        if heading:
            current = int(heading.group(1))
            counts[current] = 0
        elif current is not None and XBT_PYTHON_FRAME.match(line):
            counts[current] += 1
    return counts


def py_bt_frames(text):
    return sum(1 for line in text.splitlines() if PY_BT_FRAME.match(line))


def gdb_bt_threads(text):
    """The LWPs gdb printed a backtrace for."""
    return sorted(int(match.group(1)) for match in map(GDB_BT_THREAD.match, text.splitlines())
                  if match)


def python_frames(command, text):
    """Frames of the one thread a debugger command printed (py-bt, or py-xbt without -a)."""
    if command.startswith("py-bt"):
        return py_bt_frames(text)
    return sum(1 for line in text.splitlines() if XBT_PYTHON_FRAME.match(line))


def excerpt(text, head=3, tail=2):
    """First and last lines of a long output, for a failure message."""
    lines = text.splitlines()
    if len(lines) <= head + tail:
        return "\n".join(lines)
    return "\n".join(lines[:head] + ["..."] + lines[-tail:])

"""The py-threads command: one line per thread (tid, name, GIL, GC, state, innermost Python
frame), collected like py-xbt -a and decoded by the same core."""
import gdb

import _pyxray_gdb
from pyxray_gdb.arguments import THREADS_USAGE, parse_threads_arguments
from pyxray_gdb.collect import collect_threads, selected_inferior
from pyxray_gdb.xbt_command import run_reporting_one_line, target_arguments, write_text


def threads(arguments):
    inferior, connection_type = selected_inferior("py-threads")
    # Every thread's native stack: the state word comes from it.
    collected, frames, _ = collect_threads(inferior, all_threads=True, with_frames=True)
    return _pyxray_gdb.threads(
        **target_arguments(inferior, connection_type, collected, frames),
        stacks=arguments.stacks,
        json=arguments.json)


class ThreadsCommand(gdb.Command):
    __doc__ = f"""List every thread: OS tid, Python name, GIL, GC, state and innermost Python frame.

Usage: {THREADS_USAGE}
  --stacks  each thread's merged Python/C stack under its line
  --json    one JSON document instead of text (py-xbt --json's, with every thread)
States: running (Python bytecode), native (C code or a syscall), waiting_for_gil,
idle (a sleep or a wait), unknown. Names come from the target's threading module,
else from the OS."""

    def __init__(self):
        super().__init__("py-threads", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        self.dont_repeat()
        write_text(run_reporting_one_line(
            "py-threads", lambda: threads(parse_threads_arguments(argument))))

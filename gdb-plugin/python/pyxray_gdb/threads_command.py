"""The py-threads command: one line per thread (tid, name, GIL, GC, state, innermost Python
frame), collected like py-xbt -a and decoded by the same core."""
import gdb

import _pyxray_gdb
from pyxray_gdb.collect import collect_threads, selected_inferior
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.support import bridge_target, gdb_styles


def threads(argument):
    command = _pyxray_gdb.parse_threads(gdb.string_to_argv(argument), gdb_styles())
    inferior, connection_type = selected_inferior()
    # Every thread's native stack: the state word comes from it.
    collected, frames, _ = collect_threads(inferior, all_threads=True, with_frames=True)
    return _pyxray_gdb.threads(bridge_target(inferior, connection_type, collected, frames), command)


class ThreadsCommand(PyxrayCommand):
    def __init__(self):
        super().__init__("py-threads")

    def run(self, argument):
        return threads(argument)

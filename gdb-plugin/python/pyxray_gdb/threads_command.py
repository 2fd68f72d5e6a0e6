"""The py-threads command: one line per thread (tid, name, GIL, GC, state, innermost Python
frame), collected like py-xbt -a and decoded by the same core."""

import _pyxray_gdb
from pyxray_gdb.arguments import parse_threads_arguments, use_color
from pyxray_gdb.collect import collect_threads, selected_inferior
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.xbt_command import target_arguments


def threads(arguments):
    inferior, connection_type = selected_inferior()
    # Every thread's native stack: the state word comes from it.
    collected, frames, _ = collect_threads(inferior, all_threads=True, with_frames=True)
    return _pyxray_gdb.threads(
        **target_arguments(inferior, connection_type, collected, frames),
        stacks=arguments.stacks,
        json=arguments.json,
        color=use_color(arguments))


class ThreadsCommand(PyxrayCommand):
    def __init__(self):
        super().__init__("py-threads")

    def run(self, argument):
        return threads(parse_threads_arguments(argument))

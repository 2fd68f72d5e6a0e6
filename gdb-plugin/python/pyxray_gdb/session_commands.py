"""py-tasks and py-heap: commands whose whole work is the core's. It parses the words, reads the
target and renders; this side only describes the target."""
import gdb

import _pyxray_gdb
from pyxray_gdb.collect import collect_threads, selected_inferior
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.support import bridge_target, gdb_styles


class SessionCommand(PyxrayCommand):
    """`bridge_function(target, words, terminal=)` runs the command in the core."""

    def __init__(self, name, bridge_function):
        super().__init__(name)
        self._bridge_function = bridge_function

    def run(self, argument):
        inferior, connection_type = selected_inferior()
        # Every thread, no native frames: threads tie event loops and frame locals to tids,
        # everything else comes from memory.
        threads, frames, _ = collect_threads(inferior, True, False)
        target = bridge_target(inferior, connection_type, threads, frames)
        return self._bridge_function(target, gdb.string_to_argv(argument), terminal=gdb_styles())


def register_session_commands():
    SessionCommand("py-tasks", _pyxray_gdb.tasks)
    SessionCommand("py-heap", _pyxray_gdb.heap)

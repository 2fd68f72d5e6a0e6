"""py-tasks: every asyncio task, what it awaits and who awaits it. The core parses the words,
reads the tasks and renders them; this side only describes the target."""
import gdb

import _pyxray_gdb
from pyxray_gdb.collect import collect_threads, selected_inferior
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.support import bridge_target, gdb_styles


def tasks(argument):
    inferior, connection_type = selected_inferior()
    # Every thread, no native frames: threads tie event loops to tids, frames come from memory.
    threads, frames, _ = collect_threads(inferior, True, False)
    target = bridge_target(inferior, connection_type, threads, frames)
    return _pyxray_gdb.tasks(target, gdb.string_to_argv(argument), terminal=gdb_styles())


class TasksCommand(PyxrayCommand):
    def __init__(self):
        super().__init__("py-tasks")

    def run(self, argument):
        return tasks(argument)

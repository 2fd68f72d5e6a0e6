"""The py-xbt command: the core parses the words; this side collects the threads they ask for
from gdb, and the core decodes and renders."""
import gdb

import _pyxray_gdb
from pyxray_gdb.collect import collect_threads, selected_inferior
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.support import bridge_target, gdb_styles


def xbt(argument):
    command = _pyxray_gdb.parse_xbt(gdb.string_to_argv(argument), gdb_styles())
    inferior, connection_type = selected_inferior()
    threads, frames, selected_tid = collect_threads(
        inferior, command.all_threads, not command.python_only)
    target = bridge_target(inferior, connection_type, threads, frames)
    return _pyxray_gdb.xbt(target, command, selected_tid)


class XbtCommand(PyxrayCommand):
    def __init__(self):
        super().__init__("py-xbt")

    def run(self, argument):
        return xbt(argument)

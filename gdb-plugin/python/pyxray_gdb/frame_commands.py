"""py-up, py-down, py-frame, py-locals, py-print, py-list: the core parses and runs them; this
side remembers which Python frame is selected in each thread, until the target runs again,
and selects the native frame that runs it."""
import gdb

import _pyxray_gdb
from pyxray_gdb.collect import collect_threads, real_frames, selected_inferior
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.cpython_helpers import watch_auto_loads
from pyxray_gdb.support import bridge_target, gdb_styles

# (inferior number, tid) -> selected Python frame, 0 the newest
_selected = {}


def _forget_selection(_event=None):
    _selected.clear()


def selected_python_frame(inferior, tid):
    """The Python frame py-up/py-down selected in thread tid, 0 (the newest) when none was."""
    return _selected.get((inferior.num, tid), 0)


def _select_native_frame(index):
    """Selects the index-th frame of the list collect.py reports (inline frames skipped)."""
    for seen, frame in enumerate(real_frames()):
        if seen == index:
            frame.select()
            return


def _run(name, argument):
    inferior, connection_type = selected_inferior()
    threads, frames, tid = collect_threads(inferior, False, True)
    key = (inferior.num, tid)
    text, selected, native_index = _pyxray_gdb.frame_command(
        bridge_target(inferior, connection_type, threads, frames),
        command=name, words=gdb.string_to_argv(argument), tid=tid,
        selected=_selected.get(key, 0), terminal=gdb_styles())
    _selected[key] = selected
    if native_index is not None:
        _select_native_frame(native_index)
    return text


class FrameCommand(PyxrayCommand):
    def run(self, argument):
        return _run(self._name, argument)


def register_frame_commands():
    gdb.events.cont.connect(_forget_selection)
    gdb.events.exited.connect(_forget_selection)
    for name in _pyxray_gdb.frame_commands():
        FrameCommand(name)
    watch_auto_loads(FrameCommand)

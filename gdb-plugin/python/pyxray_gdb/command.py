"""The base of every pyxray gdb command: its help (`help py-xbt`) and Tab completion of its
options come from the core's table of debugger commands (pyxray/command_help.hpp), so a new
command opts in with its table entry and `class NewCommand(PyxrayCommand)`."""
import gdb

import _pyxray_gdb
from pyxray_gdb.support import run_reporting_one_line, write_text


class PyxrayCommand(gdb.Command):
    """Registers `name` with the table's help; subclasses implement run(argument) -> text."""

    def __init__(self, name):
        self.__doc__ = _pyxray_gdb.command_help(name).rstrip("\n")
        self._name = name
        super().__init__(name, gdb.COMMAND_STACK)

    def complete(self, text, word):
        # gdb breaks words at '=', so `--color=al` arrives as word 'al': complete the whole
        # last word and hand back only the part after gdb's word start.
        words = text.split(" ")
        last, previous = words[-1], (words[-2] if len(words) > 1 else "")
        offered = _pyxray_gdb.complete_word(self._name, previous, last)
        if not offered:
            return gdb.COMPLETE_NONE
        cut = len(last) - len(word or "")
        return [option[cut:] for option in offered]

    def invoke(self, argument, from_tty):
        self.dont_repeat()
        write_text(run_reporting_one_line(self._name, lambda: self.run(argument)))

    def run(self, argument):
        raise NotImplementedError

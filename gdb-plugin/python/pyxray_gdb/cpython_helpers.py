"""CPython's own gdb helpers (its Tools/gdb/libpython.py, installed as PYTHON-gdb.py beside an
interpreter: Debian's python3.X-dbg puts /usr/share/gdb/auto-load/usr/bin/python3.X-gdb.py)
define py-list, py-up, py-down, py-print and py-locals too. gdb runs that script when it loads
the interpreter, after ~/.gdbinit sourced pyxray, and the last definition of a command wins.

pyxray keeps its own in force: after every new objfile (gdb runs the objfile's auto-load script
first) it registers again the commands a new copy of CPython's helpers took, and makes
CPython's reachable under the `cpython` prefix (`cpython py-list`), saying so once."""
import __main__

import gdb

# CPython's command -> its class in libpython.py (the same names from 2.7 to 3.13).
CPYTHON_CLASSES = {
    "py-list": "PyList",
    "py-up": "PyUp",
    "py-down": "PyDown",
    "py-print": "PyPrint",
    "py-locals": "PyLocals",
}
PREFIX = "cpython"

_handled = set()  # ids of the CPython classes already moved under the prefix
_said = False
_prefix_made = False


class CPythonPrefix(gdb.Command):
    """CPython's own gdb helpers (libpython.py), where pyxray's commands took their names.

`cpython py-list`, `cpython py-up`, ...: CPython's versions of pyxray's commands. pyxray keeps
py-list, py-up, py-down, py-print and py-locals; CPython's py-bt stays py-bt."""

    def __init__(self):
        super().__init__(PREFIX, gdb.COMMAND_STACK, gdb.COMPLETE_NONE, True)


def _cpython_classes():
    """{name: class} of the CPython helper commands the script left in __main__ (where gdb
    runs auto-load scripts), those not moved under the prefix yet."""
    found = {}
    for name, class_name in CPYTHON_CLASSES.items():
        cls = getattr(__main__, class_name, None)
        if isinstance(cls, type) and issubclass(cls, gdb.Command) and id(cls) not in _handled:
            found[name] = cls
    return found


def _under_prefix(name, cls):
    """Registers CPython's command class again as `cpython NAME`."""
    def init(self):
        gdb.Command.__init__(self, f"{PREFIX} {name}", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    type(cls.__name__, (cls,), {"__init__": init, "__doc__": cls.__doc__})()


def _script_of(cls):
    invoke = getattr(cls, "invoke", None)
    code = getattr(invoke, "__code__", None)
    return code.co_filename if code else "an auto-loaded script"


def keep_pyxray_commands(register_again):
    """Moves any new CPython helper commands under the prefix and registers pyxray's of the same
    names again (register_again(name)); says so the first time."""
    global _said, _prefix_made
    found = _cpython_classes()
    if not found:
        return
    if not _prefix_made:
        CPythonPrefix()
        _prefix_made = True
    for name, cls in found.items():
        _under_prefix(name, cls)
        register_again(name)
        _handled.add(id(cls))
    if not _said:
        _said = True
        names = ", ".join(found)
        moved = ", ".join(f"{PREFIX} {name}" for name in found)
        gdb.write(f"pyxray: CPython's gdb helpers ({_script_of(next(iter(found.values())))}) define "
                  f"{names} too: pyxray's stay; CPython's are {moved} (and py-bt)\n")


def watch_auto_loads(register_again):
    """keep_pyxray_commands now (pyxray sourced after the helpers) and after every new objfile."""
    keep_pyxray_commands(register_again)
    gdb.events.new_objfile.connect(lambda _event: keep_pyxray_commands(register_again))

"""CPython's own gdb helpers (its Tools/gdb/libpython.py, installed as PYTHON-gdb.py beside an
interpreter: Debian's python3.X-dbg puts /usr/share/gdb/auto-load/usr/bin/python3.X-gdb.py)
define py-list, py-up, py-down, py-print and py-locals too. gdb runs that script when it loads
the interpreter, after ~/.gdbinit sourced pyxray, and the last definition of a command wins.

pyxray keeps its own in force. Scripts loaded later define their commands through gdb.Command,
which pyxray replaces with a subclass that registers those five names as `cpython NAME`
(`cpython py-list`): no gdb event fires between gdb 13's auto-load of an attached process's
scripts and the user's next command, so renaming afterwards comes too late. Helpers loaded
before pyxray are moved under the prefix when pyxray registers. Either way it is said once."""
import __main__

import gdb

_GdbCommand = gdb.Command  # the real one, before watch_auto_loads replaces it

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


class CPythonPrefix(_GdbCommand):
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
        _GdbCommand.__init__(self, f"{PREFIX} {name}", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    type(cls.__name__, (cls,), {"__init__": init, "__doc__": cls.__doc__})()


def _script_of(cls):
    invoke = getattr(cls, "invoke", None)
    code = getattr(invoke, "__code__", None)
    return code.co_filename if code else "an auto-loaded script"


def _say_once(names, script):
    global _said
    if _said:
        return
    _said = True
    moved = ", ".join(f"{PREFIX} {name}" for name in names)
    gdb.write(f"pyxray: CPython's gdb helpers ({script}) define {', '.join(names)} too: pyxray's "
              f"stay; CPython's are {moved} (and py-bt)\n")


def _make_prefix():
    global _prefix_made
    if not _prefix_made:
        _prefix_made = True
        CPythonPrefix()


def keep_pyxray_commands(register_again):
    """Moves the CPython helper commands already defined under the prefix and registers
    pyxray's of the same names again (register_again(name)); says so the first time."""
    found = _cpython_classes()
    if not found:
        return
    _make_prefix()
    for name, cls in found.items():
        _under_prefix(name, cls)
        register_again(name)
        _handled.add(id(cls))
    _say_once(list(found), _script_of(next(iter(found.values()))))


class _CommandKeepingPyxrayNames(_GdbCommand):
    """gdb.Command for scripts loaded after pyxray: one of pyxray's frame command names, taken
    by a class that is not pyxray's, is registered under the `cpython` prefix instead."""

    def __init__(self, name, *args, **kwargs):
        if name in CPYTHON_CLASSES and not type(self).__module__.startswith("pyxray_gdb"):
            _make_prefix()
            _handled.add(id(type(self)))
            _say_once(list(CPYTHON_CLASSES), _script_of(type(self)))
            name = f"{PREFIX} {name}"
        super().__init__(name, *args, **kwargs)


def watch_auto_loads(register_again):
    """keep_pyxray_commands now (pyxray sourced after the helpers), and gdb.Command replaced
    for the scripts gdb loads from now on."""
    keep_pyxray_commands(register_again)
    gdb.Command = _CommandKeepingPyxrayNames

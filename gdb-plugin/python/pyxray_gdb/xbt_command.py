"""The py-xbt command: parse arguments, collect from gdb, let the core decode and render."""
import gdb

import _pyxray_gdb
from pyxray_gdb.arguments import USAGE, parse_xbt_arguments
from pyxray_gdb.collect import collect_threads, core_signal, executable_of, selected_inferior
from pyxray_gdb.modules import target_modules, target_regions


def one_line(text):
    return " ".join(str(text).split())


def _memory_reader(inferior):
    def read(address, length):
        try:
            return inferior.read_memory(address, length)
        except gdb.MemoryError:
            return None

    return read


def target_arguments(inferior, connection_type, threads, frames):
    """The keyword arguments every _pyxray_gdb entry point takes to describe the target."""
    # A native inferior is one gdb traces on this machine: the core reads its /proc files
    # directly, much faster than a Python call per page. Cores and remote targets go via gdb.
    native = connection_type == "native"
    return dict(
        kind="core" if connection_type == "core" else "live",
        pid=inferior.pid,
        executable=executable_of(inferior),
        modules=None if native else target_modules(connection_type),
        threads=threads,
        frames=frames,
        read_memory=None if native else _memory_reader(inferior),
        regions=None if native else target_regions(connection_type),
        signal=core_signal(inferior) if connection_type == "core" else None)


def xbt(arguments):
    inferior, connection_type = selected_inferior()
    threads, frames, selected_tid = collect_threads(
        inferior, arguments.all_threads, not arguments.python_only)
    return _pyxray_gdb.xbt(
        **target_arguments(inferior, connection_type, threads, frames),
        python_only=arguments.python_only,
        native_all=arguments.native_all,
        only_tid=None if arguments.all_threads else selected_tid,
        json=arguments.json,
        locals=arguments.repr_limits())


def run_reporting_one_line(name, action):
    """Runs action() and returns its text; every failure reaches gdb as one line under the
    command's name: a traceback would bury the message."""
    try:
        return action()
    except gdb.GdbError as error:
        raise gdb.GdbError(one_line(error)) from None
    except _pyxray_gdb.Error as error:
        raise gdb.GdbError(one_line(f"{name}: {error}")) from None
    except gdb.error as error:
        raise gdb.GdbError(one_line(f"{name}: gdb failed: {error}")) from None
    except Exception as error:
        raise gdb.GdbError(one_line(
            f"{name}: internal error, please report it: {type(error).__name__}: {error}"
        )) from None


def write_text(text):
    gdb.write(text if text.endswith("\n") else text + "\n")


class XbtCommand(gdb.Command):
    __doc__ = f"""Print merged Python and C backtraces: Python frames in place of the eval loop.

Usage: {USAGE}
  -a, --all-threads  every thread, not just the selected one
  --python-only      Python frames only
  --native-all       keep the interpreter's plumbing frames (_PyEval_Vector, ...)
  --locals           each Python frame's arguments and local variables, under it
  --max-string N     with --locals: show at most N characters of a str (default 200)
  --max-items N      with --locals: show at most N items of a container (default 50)
  --max-depth N      with --locals: show containers nested at most N deep (default 6)
  --verbose          with --locals: also the attributes of instances of Python classes
  --json             one JSON document instead of text
Works on live processes and core files; needs no debug info for libpython."""

    def __init__(self):
        super().__init__("py-xbt", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        self.dont_repeat()
        write_text(run_reporting_one_line("py-xbt", lambda: xbt(parse_xbt_arguments(argument))))

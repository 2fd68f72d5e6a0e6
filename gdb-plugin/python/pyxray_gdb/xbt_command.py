"""The py-xbt command: parse arguments, collect from gdb, let the core decode and render."""
import gdb

import _pyxray_gdb
from pyxray_gdb.arguments import parse_xbt_arguments, use_color
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.collect import collect_threads, core_signal, executable_of, selected_inferior
from pyxray_gdb.errors import CommandError
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
        locals=arguments.repr_limits(),
        color=use_color(arguments))


def run_reporting_one_line(name, action):
    """Runs action() and returns its text; every failure reaches gdb as one line under the
    command's name: a traceback would bury the message."""
    try:
        return action()
    except gdb.GdbError as error:
        raise gdb.GdbError(one_line(error)) from None
    except (CommandError, _pyxray_gdb.Error) as error:
        raise gdb.GdbError(one_line(f"{name}: {error}")) from None
    except gdb.error as error:
        raise gdb.GdbError(one_line(f"{name}: gdb failed: {error}")) from None
    except Exception as error:
        raise gdb.GdbError(one_line(
            f"{name}: internal error, please report it: {type(error).__name__}: {error}"
        )) from None


def write_text(text):
    gdb.write(text if text.endswith("\n") else text + "\n")


class XbtCommand(PyxrayCommand):
    def __init__(self):
        super().__init__("py-xbt")

    def run(self, argument):
        return xbt(parse_xbt_arguments(argument))

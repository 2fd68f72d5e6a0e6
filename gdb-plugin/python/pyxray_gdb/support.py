"""What every pyxray gdb command shares: the bridge Target it builds once per command, gdb's
colour setting, and reporting a failure as one line."""
import gdb

import _pyxray_gdb
from pyxray_gdb.collect import core_signal, executable_of
from pyxray_gdb.errors import CommandError
from pyxray_gdb.modules import target_modules, target_regions


def _memory_reader(inferior):
    def read(address, length):
        try:
            return inferior.read_memory(address, length)
        except gdb.MemoryError:
            return None

    return read


def bridge_target(inferior, connection_type, threads, frames):
    """The _pyxray_gdb.Target every call of one command takes: the inferior, its threads and
    their native frames."""
    # A native inferior is one gdb traces on this machine: the core reads its /proc files
    # directly, much faster than a Python call per page. Cores and remote targets go via gdb.
    native = connection_type == "native"
    return _pyxray_gdb.Target(
        kind="core" if connection_type == "core" else "live",
        pid=inferior.pid,
        executable=executable_of(inferior),
        modules=None if native else target_modules(connection_type),
        threads=threads,
        frames=frames,
        read_memory=None if native else _memory_reader(inferior),
        regions=None if native else target_regions(connection_type),
        signal=core_signal(inferior) if connection_type == "core" else None)


def gdb_styles():
    """Whether gdb styles its own output: --color=auto follows it (off when gdb's output is no
    terminal)."""
    try:
        return bool(gdb.parameter("style enabled"))
    except (gdb.error, RuntimeError):
        return False


def one_line(text):
    return " ".join(str(text).split())


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

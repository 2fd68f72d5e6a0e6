"""Where the target's files are mapped, for targets whose /proc/PID/maps the core cannot read."""
import re

import gdb

import _pyxray_gdb
from pyxray_gdb.errors import CommandError

_CORE_FILE = re.compile(r"Local core dump file:\s*`(.+)', file type")
_CORE_SECTION = re.compile(r"^\s*(0x[0-9a-f]+) - (0x[0-9a-f]+) is load\d+", re.MULTILINE)


def core_file_path():
    """The core gdb has open, from `info target`; None when it names none."""
    match = _CORE_FILE.search(gdb.execute("info target", to_string=True))
    return match.group(1) if match else None


def modules_from_mappings(text):
    """(path, base) per file in `info proc mappings` output; base is its offset-0 mapping."""
    bases = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) < 5 or not words[-1].startswith("/"):
            continue
        try:
            start, offset = int(words[0], 16), int(words[3], 16)
        except ValueError:
            continue
        if offset == 0:
            bases.setdefault(words[-1], start)
    return list(bases.items())


def _modules_from_gdb(why_not_core):
    try:
        text = gdb.execute("info proc mappings", to_string=True)
    except gdb.error as error:
        text, why_mappings = "", str(error)
    else:
        why_mappings = "it listed no mapped files"
    modules = modules_from_mappings(text)
    if not modules:
        raise CommandError(
            f"cannot tell where files are mapped: {why_not_core}; "
            f"`info proc mappings`: {why_mappings}")
    return modules


def target_regions(connection_type):
    """Memory regions (start, end, writable, path) of a core, for the core to scan when no
    symbol locates the runtime: the core's PT_LOAD segments, else the core sections gdb lists
    in `info target` (which do not say which are writable: all are offered). None for other
    targets: a native one's come from /proc/PID/maps in the core library."""
    if connection_type != "core":
        return None
    path = core_file_path()
    if path is not None:
        try:
            return _pyxray_gdb.core_regions(path)
        except _pyxray_gdb.Error:
            pass
    text = gdb.execute("info target", to_string=True)
    return [(int(start, 16), int(end, 16), True, "")
            for start, end in _CORE_SECTION.findall(text)] or None


def gdb_sysroot():
    """gdb's `set sysroot`, where a core's files are looked up (a core of a process in a
    container names the container's files); empty for none. `target:` reads the local
    filesystem on a core."""
    sysroot = gdb.parameter("sysroot") or ""
    if sysroot.startswith("target:"):
        sysroot = sysroot[len("target:"):]
    return sysroot if sysroot not in ("", "/") else ""


def target_modules(connection_type):
    """Modules of a core or remote target.

    For a core, the first choice is the core's own NT_FILE note read by the core library:
    the same list the CLI uses, so the front-ends agree. gdb's `info proc mappings` is the
    fallback when the core cannot be found or read again (moved, deleted) and for remote targets."""
    if connection_type != "core":
        return _modules_from_gdb(f"a {connection_type} target has no core file")
    path = core_file_path()
    if path is None:
        return _modules_from_gdb("`info target` names no core file")
    try:
        return _pyxray_gdb.core_modules(path, gdb_sysroot())
    except _pyxray_gdb.Error as error:
        return _modules_from_gdb(str(error))

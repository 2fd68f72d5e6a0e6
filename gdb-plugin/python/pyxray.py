# `source P/share/pyxray/gdb/pyxray.py` in gdb (or ~/.gdbinit; `pyxray gdbinit` prints the line)
# registers pyxray's commands (py-xbt, ...). The pyxray_gdb package and the _pyxray_gdb module
# sit beside this file, wherever it was installed. Sourcing it again is harmless: the package
# registers its commands once per gdb session.
import glob as _glob
import os as _os
import sys as _sys

import gdb as _gdb


def _python_of(module_path):
    """'3.11' for _pyxray_gdb.cpython-311-x86_64-linux-gnu.so."""
    tag = _os.path.basename(module_path).split(".")[1]  # cpython-311-x86_64-linux-gnu
    digits = tag.split("-")[1] if tag.startswith("cpython-") else ""
    return f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else tag


def _check_python(here):
    """A module built for another Python fails to import with a misleading message (or not at
    all): say which Python it needs and which one this gdb embeds."""
    modules = _glob.glob(_os.path.join(here, "_pyxray_gdb.*.so"))
    if not modules:
        raise _gdb.GdbError(f"pyxray: no _pyxray_gdb module in {here}; reinstall pyxray")
    tag = f"{_sys.implementation.name}-{_sys.version_info.major}{_sys.version_info.minor}"
    if any(f".{tag}-" in _os.path.basename(module) for module in modules):
        return
    built_for = ", ".join(sorted(_python_of(module) for module in modules))
    raise _gdb.GdbError(
        f"pyxray: its gdb module was built for Python {built_for}, but this gdb embeds Python "
        f"{_sys.version.split()[0]}; use a gdb built with Python {built_for}, or rebuild pyxray "
        f"for this one (cmake -DPython_EXECUTABLE=...)")


def _load_pyxray():
    here = _os.path.dirname(_os.path.abspath(__file__))
    _check_python(here)
    if here not in _sys.path:
        _sys.path.insert(0, here)
    try:
        import pyxray_gdb
    except ImportError as error:
        raise _gdb.GdbError(
            f"pyxray: cannot load the gdb front-end from {here}: {error}; it must be built for "
            f"the Python gdb embeds ({_sys.version.split()[0]} at {_sys.executable})") from None
    pyxray_gdb.register()


_load_pyxray()
del _load_pyxray

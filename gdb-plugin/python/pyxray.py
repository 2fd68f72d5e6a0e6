# `source build/gdb/pyxray.py` in gdb registers pyxray's commands (py-xbt).
# The pyxray_gdb package and the _pyxray_gdb module sit beside this file. Sourcing it again is
# harmless: the package registers its commands once per gdb session.
import os as _os
import sys as _sys

import gdb as _gdb


def _load_pyxray():
    here = _os.path.dirname(_os.path.abspath(__file__))
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

"""pyxray's gdb front-end: gdb commands over the _pyxray_gdb core module."""

_registered = False


def register():
    """Registers pyxray's gdb commands; later calls do nothing."""
    global _registered
    if _registered:
        return
    # Imported here so a failing _pyxray_gdb import surfaces in pyxray.py's one-line error.
    from pyxray_gdb.frame_commands import register_frame_commands
    from pyxray_gdb.refwatch_command import RefcntCommand, RefwatchCommand
    from pyxray_gdb.sample_command import SampleCommand
    from pyxray_gdb.session_commands import register_session_commands
    from pyxray_gdb.threads_command import ThreadsCommand
    from pyxray_gdb.xbt_command import XbtCommand

    XbtCommand()
    SampleCommand()
    ThreadsCommand()
    register_session_commands()
    register_frame_commands()
    RefcntCommand()
    RefwatchCommand()
    _registered = True

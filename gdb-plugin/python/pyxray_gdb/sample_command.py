"""The py-sample command: gdb lets the process run and stops it again; the core paces the loop,
decodes every stop, adds the merged stacks up and renders them.

Each interval ends with a real-time signal sent from a timer thread of the core (gdb.execute
blocks in `continue`). gdb stops on it through a silent `catch signal` and is told not to pass
it on, so the program never receives it; the user's own handling of it is given back at the end.

A catchpoint, not `handle SIGnn stop`: a signal set to stop is also one gdb prints ("Program
received signal SIGnn" and the location, on the terminal even while gdb.execute captures
`continue`'s output), and `handle ... noprint` implies `nostop`. A silent catchpoint explains
the signal, so gdb prints neither."""
import contextlib
import re
import signal

import gdb

import _pyxray_gdb
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.collect import SamplerCaches, collect_threads, preserved_selection, selected_inferior
from pyxray_gdb.support import bridge_target

# Real-time signals have no default use in CPython or glibc (which keeps the first two).
STOP_SIGNAL = signal.SIGRTMAX - 1
STOP_SIGNAL_NAME = f"SIG{int(STOP_SIGNAL)}"


def _silent_catchpoint():
    """A silent `catch signal SIGnn`: it stops the process without a word."""
    before = {b.number for b in gdb.breakpoints()}
    gdb.execute(f"catch signal {STOP_SIGNAL_NAME}", to_string=True)
    made = [b for b in gdb.breakpoints() if b.number not in before]
    for catchpoint in made:
        catchpoint.silent = True
    return made


@contextlib.contextmanager
def stop_signal_handled():
    """A silent catchpoint and `handle SIGnn nostop noprint nopass` while sampling; the user's
    Stop/Print/Pass again afterwards, and the catchpoint deleted."""
    listing = gdb.execute(f"info signals {STOP_SIGNAL_NAME}", to_string=True)
    found = re.search(rf"^{STOP_SIGNAL_NAME}\s+(Yes|No)\s+(Yes|No)\s+(Yes|No)", listing, re.M)
    gdb.execute(f"handle {STOP_SIGNAL_NAME} nostop noprint nopass", to_string=True)
    made = []
    try:
        made = _silent_catchpoint()
        yield
    finally:
        for catchpoint in made:
            if catchpoint.is_valid():
                catchpoint.delete()
        if found:
            stop, shown, passed = (answer == "Yes" for answer in found.groups())
            gdb.execute(f"handle {STOP_SIGNAL_NAME} {'stop' if stop else 'nostop'} "
                        f"{'print' if shown else 'noprint'} {'pass' if passed else 'nopass'}",
                        to_string=True)


class StopWatcher:
    """What the last `continue` ended with: our signal, another stop, or the process's exit."""

    def __init__(self):
        self.event = None

    def __enter__(self):
        gdb.events.stop.connect(self._stopped)
        gdb.events.exited.connect(self._stopped)
        return self

    def __exit__(self, *exc):
        gdb.events.stop.disconnect(self._stopped)
        gdb.events.exited.disconnect(self._stopped)

    def _stopped(self, event):
        self.event = event

    def reason_not_ours(self):
        event = self.event
        if isinstance(event, gdb.ExitedEvent):
            return "the process exited"
        if isinstance(event, gdb.SignalEvent) and event.stop_signal == STOP_SIGNAL_NAME:
            return None
        if isinstance(event, gdb.SignalEvent):
            return f"stopped by {event.stop_signal}"
        if isinstance(event, gdb.BreakpointEvent):
            return "stopped at a breakpoint"
        return "stopped by something else"


def run_for(inferior, watcher, seconds, cpu):
    """Continues the process for about `seconds`; the reason when it stopped otherwise. `cpu`
    (None, or the sampler's) reads which threads run just before the stop."""
    watcher.event = None
    timer = _pyxray_gdb.StopTimer(inferior.pid, int(STOP_SIGNAL), seconds, cpu)
    try:
        gdb.execute("continue", to_string=True)
    finally:
        fired = timer.cancel()
    reason = watcher.reason_not_ours()
    if reason is None:
        # gdb keeps the signal as the stopped thread's (the one it selected) and would hand it
        # over at the next resume or at detach, once the user's `pass` is back.
        gdb.execute("queue-signal 0", to_string=True)
    elif fired and inferior.pid != 0:
        # Our signal is on its way too: take it now, while gdb still keeps it from the program.
        with contextlib.suppress(gdb.error):
            gdb.execute("continue", to_string=True)
            gdb.execute("queue-signal 0", to_string=True)
    return reason


def sample(argument):
    words = gdb.string_to_argv(argument)
    inferior, connection_type = selected_inferior()
    if connection_type != "native":
        raise gdb.GdbError(f"py-sample: needs a live process gdb runs or attached to, "
                           f"not a {connection_type} target")
    # Each stop brings its own threads and frames (take).
    target = bridge_target(inferior, connection_type, [], {})
    with preserved_selection(), stop_signal_handled(), StopWatcher() as watcher, \
            SamplerCaches() as caches:
        return _pyxray_gdb.sample(
            target, words,
            let_run=lambda seconds, cpu: run_for(inferior, watcher, seconds, cpu),
            take=lambda all_threads, with_frames: collect_threads(inferior, all_threads, with_frames,
                                                                  caches),
            progress=lambda line: gdb.write(line + "\n"))


class SampleCommand(PyxrayCommand):
    """py-sample: its help, usage and options are the core's table's (pyxray/command_help.hpp)."""

    def __init__(self):
        super().__init__("py-sample")

    def run(self, argument):
        return sample(argument)

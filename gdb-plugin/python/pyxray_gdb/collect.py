"""What py-xbt needs from gdb: the selected target, its threads and their native frames."""
import contextlib
import signal
import time

import gdb

# The core's bound on one thread's unwind, shared by every front-end.
from _pyxray_gdb import MAX_NATIVE_FRAMES
from pyxray_gdb.errors import CommandError

NO_PROCESS = "no process; attach, run or open a core first"


def selected_inferior():
    """The selected inferior and its connection type ('native', 'core', 'remote', ...)."""
    inferior = gdb.selected_inferior()
    connection = inferior.connection
    if connection is None or not inferior.threads():
        raise CommandError(NO_PROCESS)
    return inferior, connection.type


def executable_of(inferior):
    return inferior.progspace.filename or ""


@contextlib.contextmanager
def preserved_selection():
    """Restores the user's selected thread and frame, whatever happens in between."""
    thread = gdb.selected_thread()
    try:
        frame = gdb.selected_frame()
    except gdb.error:
        frame = None
    try:
        yield
    finally:
        with contextlib.suppress(gdb.error):
            if thread is not None and thread.is_valid():
                thread.switch()
                if frame is not None and frame.is_valid():
                    frame.select()


def _registers(*names):
    """The selected thread's registers `names` in its newest frame, each None when unknown or
    0. Frame.read_register, not parse_and_eval: a sampler reads them for every thread at every
    stop, and the expression parser cost a tenth of gdb's py-sample."""
    try:
        frame = gdb.newest_frame()
    except gdb.error:
        return [None] * len(names)
    values = []
    for name in names:
        try:
            values.append(int(frame.read_register(name)) or None)
        except (gdb.error, ValueError, TypeError):
            values.append(None)
    return values


def real_frames():
    """The selected thread's frames, innermost first, inline frames skipped: they share their
    caller's pc, and the real call chain is what the core merges and indexes. Ends after
    MAX_NATIVE_FRAMES frames looked at, or at an unwind error."""
    try:
        frame = gdb.newest_frame()
        for _ in range(MAX_NATIVE_FRAMES):
            if frame is None:
                return
            if frame.type() != gdb.INLINE_FRAME:
                yield frame
            frame = frame.older()
    except gdb.error:
        return


@contextlib.contextmanager
def linkage_names():
    """Frame.name() gives a symbol's linkage (mangled) name while `print demangle` is off: the
    core demangles C++ names itself, the same way for gdb, LLDB and the CLI. The user's
    setting is restored."""
    demangling = gdb.parameter("print demangle")
    if demangling:
        gdb.execute("set print demangle off", to_string=True)
    try:
        yield
    finally:
        if demangling:
            gdb.execute("set print demangle on", to_string=True)


def _native_frames(executable, caches=None):
    """The selected thread's real frames (see real_frames) as (pc, function, module), linkage
    names (see linkage_names, which the caller sets). An unwind error keeps the frames found so
    far."""
    frames = []
    try:
        for frame in real_frames():
            pc = frame.pc()
            module = caches.module_of(pc, executable) if caches else gdb.solib_name(pc) or executable
            frames.append((pc, frame.name() or "", module))
    except gdb.error:
        pass
    return frames


def _thread_name(thread):
    """gdb's name for the thread: the OS's (comm) on a live Linux process, None if none."""
    try:
        return thread.name or None
    except gdb.error:
        return None


class SamplerCaches:
    """What a sampler keeps between stops, that gdb would look up again at each one: the OS's
    thread names (gdb reads /proc at every Thread.name), kept for a second as the core keeps
    threading's (XbtOptions::reuse_thread_names); and the module of each pc, forgotten whenever
    gdb loads objfiles or clears them, the only events that can change it. Used as a context
    manager, which connects those events."""

    def __init__(self):
        self.names, self.names_read_at = {}, 0.0
        self.modules = {}

    def __enter__(self):
        gdb.events.new_objfile.connect(self._forget_modules)
        gdb.events.clear_objfiles.connect(self._forget_modules)
        return self

    def __exit__(self, *exc):
        gdb.events.new_objfile.disconnect(self._forget_modules)
        gdb.events.clear_objfiles.disconnect(self._forget_modules)

    def _forget_modules(self, _event):
        self.modules = {}

    def thread_name(self, thread):
        now = time.monotonic()
        if now - self.names_read_at > 1.0:
            self.names, self.names_read_at = {}, now
        tid = thread.ptid[1]
        if tid not in self.names:
            self.names[tid] = _thread_name(thread)
        return self.names[tid]

    def module_of(self, pc, executable):
        module = self.modules.get(pc)
        if module is None:
            module = self.modules[pc] = gdb.solib_name(pc) or executable
        return module


def collect_threads(inferior, all_threads, with_frames, caches=None):
    """Every thread as (tid, pthread_self, stack pointer, OS name); native frames for the threads
    py-xbt shows. Every thread's registers are read even without -a: the stack pointers tell
    which OS thread runs a thread state whose recorded thread id is stale (a subinterpreter's,
    handed between threads). `caches`: the SamplerCaches a sampler keeps. Returns (threads,
    frames, selected tid)."""
    executable = executable_of(inferior)
    selected = gdb.selected_thread()
    threads, frames = [], {}
    with preserved_selection(), linkage_names():
        for thread in sorted(inferior.threads(), key=lambda t: t.num):
            tid = thread.ptid[1]
            thread.switch()
            # fs_base is pthread_self() on x86-64
            name = caches.thread_name(thread) if caches else _thread_name(thread)
            threads.append((tid, *_registers("fs_base", "sp"), name))
            if all_threads or thread == selected:
                frames[tid] = _native_frames(executable, caches) if with_frames else []
    return threads, frames, selected.ptid[1]


# Signals whose siginfo carries the faulting address (si_addr).
_FAULT_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE}


def _siginfo():
    """(si_code, si_addr) of the selected thread's $_siginfo; (None, None) when gdb has none."""
    try:
        info = gdb.parse_and_eval("$_siginfo")
        return int(info["si_code"]), int(info["_sifields"]["_sigfault"]["si_addr"])
    except (gdb.error, ValueError, TypeError):
        return None, None


def core_signal(inferior):
    """(signo, code, address, tid) of the signal a core records, None when it records none.
    gdb makes the core's first thread (the one that took the signal) thread 1, puts the signal
    in $_exitsignal and that thread's NT_SIGINFO in its $_siginfo."""
    try:
        exit_signal = gdb.parse_and_eval("$_exitsignal")
        signo = None if exit_signal.type.code == gdb.TYPE_CODE_VOID else int(exit_signal)
    except (gdb.error, ValueError, TypeError):
        signo = None
    first = [thread for thread in inferior.threads() if thread.num == 1]
    if not signo or not first:
        return None
    with preserved_selection():
        first[0].switch()
        code, address = _siginfo()
    # Only a kernel-raised signal (code > 0) has a faulting address: raise() and kill() fill
    # those bytes with the sender's pid and uid.
    has_address = signo in _FAULT_SIGNALS and code is not None and code > 0
    return (signo, code, address if has_address else None, first[0].ptid[1])

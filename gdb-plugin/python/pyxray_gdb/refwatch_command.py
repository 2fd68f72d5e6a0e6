"""py-refcnt and py-refwatch: the core reads refcounts, follows the object from stop to stop,
keeps the change log and renders it; this side turns the object into an address, sets gdb's
breakpoints or watchpoints, gives the core's loop its hooks (resume the target and say why it
stopped, the stopped thread's target and frames), and deletes every breakpoint it made."""
import gdb

import _pyxray_gdb
from pyxray_gdb import frame_commands
from pyxray_gdb.collect import collect_threads, selected_inferior
from pyxray_gdb.command import PyxrayCommand
from pyxray_gdb.support import bridge_target

MAX_FRAMES_FOR_SITE = 64
MAX_LINE_RANGES = 1 << 16


def _target(inferior, connection_type):
    threads, frames, tid = collect_threads(inferior, False, False)
    return bridge_target(inferior, connection_type, threads, frames), tid


def resolve_object(command, expression, inferior, connection_type):
    """The address OBJECT names: py:NAME in the selected Python frame, else gdb's value of
    the expression (an address, $rsi, (PyObject *)0x..., a C variable)."""
    if expression.startswith("py:") and len(expression) > 3:
        target, tid = _target(inferior, connection_type)
        selected = frame_commands.selected_python_frame(inferior, tid)
        return _pyxray_gdb.python_name(target, tid, selected, expression[3:])
    try:
        return int(gdb.parse_and_eval(expression)) & 0xFFFFFFFFFFFFFFFF
    except (gdb.error, ValueError, TypeError) as error:
        raise gdb.GdbError(f"{command}: cannot evaluate '{expression}': {error}") from None


def refcnt(argument):
    expression, json = _pyxray_gdb.parse_refcnt(gdb.string_to_argv(argument))
    inferior, connection_type = selected_inferior()
    address = resolve_object("py-refcnt", expression, inferior, connection_type)
    target, _ = _target(inferior, connection_type)
    return _pyxray_gdb.refcnt(target, address, json)


def _frames():
    """The stopped thread's (file, line, function), innermost first: the core picks the C line
    the stop stands for (it skips frames in headers such as object.h)."""
    frames, frame = [], gdb.newest_frame()
    for _ in range(MAX_FRAMES_FOR_SITE):
        if frame is None:
            break
        sal = frame.find_sal()
        if sal.symtab is not None:
            frames.append((sal.symtab.filename, sal.line, frame.name() or "??"))
        frame = frame.older()
    return frames


def _line_addresses(block):
    """(pc, file, line) of each line-table range in `block`, inlined headers' lines included
    (a symtab's own line table leaves those out)."""
    entries, pc = [], block.start
    for _ in range(MAX_LINE_RANGES):
        if pc >= block.end:
            break
        sal = gdb.find_pc_line(pc)
        entries.append((pc, sal.symtab.filename if sal.symtab else "", sal.line))
        if sal.last is None or sal.last < pc:
            break
        pc = sal.last + 1
    return entries


def _function_lines(name):
    """{pc: ((file, line, function), kind)}: --each-line's breakpoints in C function `name`."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if symbol is None or symbol.type is None or symbol.type.code != gdb.TYPE_CODE_FUNC:
        raise gdb.GdbError(f"py-refwatch: --each-line: no C function '{name}' with debug info is loaded; "
                           f"stop where its module is loaded and check `info functions {name}`")
    block = gdb.block_for_pc(int(symbol.value().address))
    while block is not None and block.function is None:
        block = block.superblock
    plan = _pyxray_gdb.plan_each_line(_line_addresses(block), block.start, name)
    if not plan:
        raise gdb.GdbError(f"py-refwatch: --each-line: '{name}' has no line table entries")
    return plan, (block.start, block.end)


class _Breakpoints:
    """The breakpoints and watchpoints one py-refwatch made; delete() removes them all."""

    def __init__(self):
        self.numbers = set()

    def add(self, command):
        before = {b.number for b in gdb.breakpoints()}
        gdb.execute(command, to_string=True)
        made = [b for b in gdb.breakpoints() if b.number not in before]
        if not made:
            raise gdb.GdbError(f"py-refwatch: gdb made nothing of '{command}'")
        for breakpoint in made:
            breakpoint.silent = True  # py-refwatch prints its own line per change
            self.numbers.add(breakpoint.number)

    def delete(self):
        for breakpoint in gdb.breakpoints():
            if breakpoint.number in self.numbers and breakpoint.is_valid():
                breakpoint.delete()
        self.numbers.clear()


def _set_stops(options, address, target, breakpoints):
    """--each-line's plan and the function's code (start, end), or ({}, None)."""
    plan, code = {}, None
    if options["each_line"]:
        plan, code = _function_lines(options["each_line"])
        for pc in plan:
            breakpoints.add(f"break *{pc:#x}")
    for location in options["breaks"]:
        breakpoints.add(f"break {location}")
    if options["watch"]:
        for offset, size in _pyxray_gdb.refcount_fields(target):
            kind = "unsigned int" if size == 4 else "long"
            breakpoints.add(f"watch -l *({kind} *){address + offset:#x}")
    return plan, code


WATCHPOINT_TYPES = (gdb.BP_WATCHPOINT, gdb.BP_HARDWARE_WATCHPOINT, gdb.BP_READ_WATCHPOINT,
                    gdb.BP_ACCESS_WATCHPOINT)


def _observed_stop(event, breakpoints):
    """The stop as the core's classify_stop takes it: (cause, ours, numbers, pc, site, detail)."""
    try:
        frame = gdb.newest_frame()
        pc, sal = frame.pc(), frame.find_sal()
        site = (sal.symtab.filename if sal.symtab else "??", sal.line or 0, frame.name() or "??")
    except gdb.error:
        pc, site = 0, ("??", 0, "??")
    if isinstance(event, gdb.BreakpointEvent):
        numbers = [b.number for b in event.breakpoints]
        ours = any(number in breakpoints.numbers for number in numbers)
        watchpoint = all(b.type in WATCHPOINT_TYPES for b in event.breakpoints)
        return ("watchpoint" if watchpoint else "breakpoint", ours, numbers, pc, site, "")
    if isinstance(event, gdb.SignalEvent):
        return ("signal", False, [], pc, site, event.stop_signal)
    return ("other", False, [], pc, site, "")


def _not_stopped(cause, detail=""):
    """Why the target did not stop anywhere to read: "exited", "interrupted" or "failed"."""
    return (cause, False, [], 0, ("??", 0, "??"), detail)


class _GdbStops:
    """py-refwatch's hooks into gdb, called by the core's follow loop: resume() continues the
    target and says why it stopped; target() is what that stop shows, for the core to read."""

    def __init__(self, inferior, connection_type, breakpoints):
        self.inferior, self.connection_type, self.breakpoints = inferior, connection_type, breakpoints
        self.event = None

    def __call__(self, event):
        self.event = event

    def resume(self):
        self.event = None
        try:
            gdb.execute("continue", to_string=True)
        except KeyboardInterrupt:
            return _not_stopped("interrupted")
        except gdb.error as error:
            return _not_stopped("failed" if self.inferior.pid else "exited", str(error))
        if not self.inferior.pid or not self.inferior.threads():
            return _not_stopped("exited")
        return _observed_stop(self.event, self.breakpoints)

    def target(self):
        return _target(self.inferior, self.connection_type)


def _silence_followed(code, breakpoints):
    """The user's breakpoints in the --each-line function, made silent while the watch goes
    through them as through its own (LLDB announces no stop py-refwatch follows; gdb would
    print each); returns them, to make them speak again."""
    if code is None:
        return []
    start, end = code
    followed = []
    for breakpoint in gdb.breakpoints():
        if breakpoint.number in breakpoints.numbers or breakpoint.silent:
            continue
        if any(location.address is not None and start <= location.address < end
               for location in breakpoint.locations):
            followed.append(breakpoint)
            breakpoint.silent = True
    return followed


def _follow(watch, address, plan, code, inferior, connection_type, breakpoints):
    stops = _GdbStops(inferior, connection_type, breakpoints)
    silenced = _silence_followed(code, breakpoints)
    gdb.events.stop.connect(stops)
    try:
        _pyxray_gdb.follow_refwatch(watch, address, plan, code, resume=stops.resume,
                                    stopped_target=stops.target, frames=_frames, write=gdb.write)
    finally:
        gdb.events.stop.disconnect(stops)
        for breakpoint in silenced:
            if breakpoint.is_valid():
                breakpoint.silent = False


def refwatch(argument):
    options = _pyxray_gdb.parse_refwatch(gdb.string_to_argv(argument))
    inferior, connection_type = selected_inferior()
    if connection_type == "core":
        raise gdb.GdbError("py-refwatch: a core cannot run; use py-refcnt on it, or run the program")
    address = resolve_object("py-refwatch", options["object"], inferior, connection_type)
    target, _ = _target(inferior, connection_type)
    value, immortal, type_name = _pyxray_gdb.refcount(target, address)
    watch = _pyxray_gdb.RefWatch(address, type_name, value, immortal, options["count"])
    breakpoints = _Breakpoints()
    try:
        plan, code = _set_stops(options, address, target, breakpoints)
        _follow(watch, address, plan, code, inferior, connection_type, breakpoints)
    finally:
        breakpoints.delete()
    return watch.json() if options["json"] else watch.text()


class RefcntCommand(PyxrayCommand):
    """py-refcnt: help and options from the core's table (pyxray/command_help.hpp)."""

    def __init__(self):
        super().__init__("py-refcnt")

    def run(self, argument):
        return refcnt(argument)


class RefwatchCommand(PyxrayCommand):
    """py-refwatch: help and options from the core's table (pyxray/command_help.hpp)."""

    def __init__(self):
        super().__init__("py-refwatch")

    def run(self, argument):
        return refwatch(argument)

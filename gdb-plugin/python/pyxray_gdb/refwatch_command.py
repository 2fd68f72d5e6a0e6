"""py-refcnt and py-refwatch: the core reads refcounts, keeps the change log and renders it;
this side turns the object into an address, sets gdb's breakpoints or watchpoints, resumes
the target and reports each stop, and deletes every breakpoint it made."""
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


def _c_site():
    """The C line a stop stands for (the core skips frames in headers such as object.h)."""
    frames, frame = [], gdb.newest_frame()
    for _ in range(MAX_FRAMES_FOR_SITE):
        if frame is None:
            break
        sal = frame.find_sal()
        if sal.symtab is not None:
            frames.append((sal.symtab.filename, sal.line, frame.name() or "??"))
        frame = frame.older()
    return _pyxray_gdb.choose_c_site(frames)


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


class _Stops:
    """The last stop event gdb reported while py-refwatch resumed the target."""

    def __init__(self):
        self.event = None

    def __call__(self, event):
        self.event = event


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
        return ("breakpoint", ours, numbers, pc, site, "")
    if isinstance(event, gdb.SignalEvent):
        return ("signal", False, [], pc, site, event.stop_signal)
    return ("other", False, [], pc, site, "")


def _resume(inferior, stops, breakpoints, code):
    """Continues the target; None when the watch follows the object through the stop, else
    (end reason, detail)."""
    stops.event = None
    try:
        gdb.execute("continue", to_string=True)
    except KeyboardInterrupt:
        return ("interrupted", "")
    except gdb.error as error:
        return ("exited", str(error)) if not inferior.pid else ("error", str(error))
    event = stops.event
    if not inferior.pid or not inferior.threads():
        return ("exited", "")
    return _pyxray_gdb.classify_stop(*_observed_stop(event, breakpoints), code)


class _Freed(Exception):
    """The watched address no longer holds an object."""


def _follow(watch, address, plan, code, inferior, connection_type, breakpoints):
    stops = _Stops()
    gdb.events.stop.connect(stops)
    try:
        while not watch.done():
            ended = _resume(inferior, stops, breakpoints, code)
            if ended:
                watch.end(*ended)
                return
            _record_stop(watch, address, plan, inferior, connection_type)
        watch.end("count", "")
    except _Freed as freed:
        watch.end("freed", str(freed))
    finally:
        gdb.events.stop.disconnect(stops)


def _record_stop(watch, address, plan, inferior, connection_type):
    target, tid = _target(inferior, connection_type)
    try:
        value, immortal, _ = _pyxray_gdb.refcount(target, address)
    except _pyxray_gdb.Error as error:
        raise _Freed(str(error)) from None
    _, kind = plan.get(gdb.newest_frame().pc(), (None, "other"))
    site = _c_site()
    python = _pyxray_gdb.python_site(target, tid) if watch.changed(value, immortal) else None
    text = watch.record(site, kind, value, immortal, python)
    if text:
        gdb.write(text)


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

"""Hostile memory: damaged copies of real gcore cores of fixtures/stacks.py, through the CLI, gdb
and LLDB. Each front-end must answer with the frames it could decode plus a one-line reason, or
a clear one-line error, well within HANG_TIMEOUT: never a signal, a dead debugger session, a
hang, a Python traceback or C++ exception text.

Damage is found from a good run (`pyxray xbt --json` gives thread-state, frame and code
addresses) and written through the core's PT_LOAD headers. One working copy per interpreter is
patched and restored in place for each damage, and deleted when the next interpreter starts;
truncated copies are written and deleted one at a time.
"""

import json
import random
import shutil
import struct
import subprocess

import pytest

from support import interpreters
from support.drivers import CLI, GDB_SCRIPT, LLDB, LLDB_PLUGIN, require, tool_environment
from support.core_layout import CoreLayout
from support.targets import prefix_copy

# A hang detector, not a performance bound: every run here takes a few seconds at most.
HANG_TIMEOUT = 60

# Installed and stripped builds across the layouts: PyFrameObject chains (3.8, 3.10),
# _PyInterpreterFrame (3.11, 3.12), the target's own _Py_DebugOffsets (3.13), free-threaded.
HOSTILE_IDS = ["pyenv-3.8", "pyenv-3.10", "pyenv-3.11-stripped", "pyenv-3.12", "pyenv-3.13",
               "debian-3.13t"]
# The executable each core is opened with when the executable is swapped: another Python.
SWAPPED_EXE = {"pyenv-3.8": "pyenv-3.12", "pyenv-3.10": "pyenv-3.13", "pyenv-3.11-stripped":
               "pyenv-3.8", "pyenv-3.12": "debian-3.13t", "pyenv-3.13": "pyenv-3.10",
               "debian-3.13t": "pyenv-3.13"}

PAGE = 4096
# What a crash, an uncaught exception, a sanitizer or pyxray's own last-resort handler prints
# (an exception no decoder turned into an error: "internal error: ..."): none may ever appear.
CRASH_TEXTS = ["Traceback", "Python Exception", "terminate called", "what():", "std::",
               "AddressSanitizer", "runtime error:", "Segmentation fault", "Aborted",
               "PLEASE submit a bug report", "Stack dump:", "internal error"]


# ---- the good run ----

def hex_address(text):
    return int(text, 16) if text else 0


class GoodRun:
    """What pyxray decoded from the undamaged core: the thread states and their frames."""

    def __init__(self, document):
        self.threads = []
        for thread in document["threads"]:
            if "tstate" not in thread:
                continue
            frames = [(hex_address(frame["frame_address"]), hex_address(frame["code_address"]))
                      for frame in thread["frames"] if frame["kind"] == "python"]
            self.threads.append((hex_address(thread["tstate"]), frames))
        assert self.threads, f"the undamaged core decoded no thread state: {document}"

    def tstates(self):
        return [tstate for tstate, _ in self.threads]

    def frames(self):
        return [frame for _, frames in self.threads for frame, _ in frames]

    def codes(self):
        return sorted({code for _, frames in self.threads for _, code in frames})

    def deepest(self):
        return max((frames for _, frames in self.threads), key=len)


def run_tool(command, stdin_text=None):
    try:
        return subprocess.run([str(part) for part in command], input=stdin_text,
                              stdin=None if stdin_text is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace",
                              timeout=HANG_TIMEOUT, env=tool_environment(command))
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: no answer within {HANG_TIMEOUT} s from {' '.join(map(str, command))}",
                    pytrace=False)


def good_run(core, executable):
    require(CLI, "the pyxray CLI")
    completed = run_tool([CLI, "xbt", "--core", core, "--exe", executable, "--json"])
    assert completed.returncode == 0, f"the undamaged core failed: {completed.stderr}"
    return GoodRun(json.loads(completed.stdout))


# ---- the three front-ends, each checked for a clean answer ----

def assert_no_crash_text(output, what):
    for text in CRASH_TEXTS:
        assert text not in output, f"{what}: printed {text!r}:\n{output[-3000:]}"


def check_cli(core, executable):
    completed = run_tool([CLI, "xbt", "--core", core, "--exe", executable, "--locals"])
    what = f"pyxray xbt --core {core.name} --exe {executable}"
    assert completed.returncode >= 0, f"{what}: killed by signal {-completed.returncode}:\n" \
        f"{completed.stderr[-3000:]}"
    assert_no_crash_text(completed.stdout + completed.stderr, what)
    if completed.returncode == 0:
        assert completed.stdout.strip(), f"{what}: exit 0 and printed nothing"
    else:
        errors = [line for line in completed.stderr.splitlines() if line.strip()]
        assert completed.returncode == 1 and len(errors) == 1, \
            f"{what}: exit {completed.returncode}, expected 0 or one error line and 1; " \
            f"stderr: {completed.stderr[-3000:]!r}"
    return completed.stdout + completed.stderr


def check_gdb(core, executable):
    require(GDB_SCRIPT, "the gdb front-end")
    completed = run_tool(["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
                          "-ex", f"file {executable}", "-ex", f"core-file {core}",
                          "-ex", f"source {GDB_SCRIPT}", "-ex", "echo BEGIN\\n",
                          "-ex", "py-xbt -a --locals", "-ex", "echo ALIVE\\n"])
    output = completed.stdout + completed.stderr
    what = f"gdb on {core.name} with {executable}"
    assert completed.returncode >= 0, f"{what}: gdb killed by signal {-completed.returncode}"
    assert "ALIVE" in completed.stdout, f"{what}: the session died before `echo ALIVE`:\n" \
        f"{output[-3000:]}"
    assert_no_crash_text(output, what)
    return output


def check_lldb(core, executable):
    """Without -b a failing -o command leaves LLDB reading stdin: ALIVE shows it survived.
    The commands on stdin run whatever the first py-xbt did: the same through the SB-API-only
    symbol path (py-backend sbapi), which reads the damaged core through LLDB's own modules."""
    require(LLDB_PLUGIN, "the LLDB plugin")
    completed = run_tool([LLDB, "--no-lldbinit", "-o", f"target create --core {core} {executable}",
                          "-o", f"plugin load {LLDB_PLUGIN}", "-o", "py-xbt -a --locals"],
                         stdin_text='py-backend sbapi\npy-xbt -a --locals\nscript print("ALIVE")\nquit\n')
    output = completed.stdout + completed.stderr
    what = f"lldb-16 on {core.name} with {executable}"
    assert completed.returncode >= 0, f"{what}: lldb killed by signal {-completed.returncode}"
    assert "\nALIVE" in completed.stdout, f"{what}: the session died before ALIVE:\n{output[-3000:]}"
    assert_no_crash_text(output, what)
    return output


def check_every_frontend(core, executable):
    """Each front-end's output, once each has been checked."""
    return {"cli": check_cli(core, executable), "gdb": check_gdb(core, executable),
            "lldb": check_lldb(core, executable)}


# ---- damage: patches of (file offset, bytes), applied to the working copy and restored ----

def pages_of(layout, addresses):
    pages = sorted({address & ~(PAGE - 1) for address in addresses})
    offsets = [layout.offset_of(page) for page in pages]
    return [offset for offset in offsets if offset is not None]


def zeroed_pages(layout, addresses, _copy):
    return [(offset, bytes(PAGE)) for offset in pages_of(layout, addresses)]


def random_pages(layout, addresses, _copy):
    noise = random.Random(5)  # the same bytes on every run
    return [(offset, noise.randbytes(PAGE)) for offset in pages_of(layout, addresses)]


def read_word(copy, layout, address):
    offset = layout.offset_of(address)
    if offset is None:
        return None
    copy.seek(offset)
    return struct.unpack("<Q", copy.read(8))[0]


def pointer_to(copy, layout, owner, target, words=16):
    """The address of the word of `owner` (among its first `words`) that holds `target`."""
    for index in range(words):
        if read_word(copy, layout, owner + 8 * index) == target:
            return owner + 8 * index
    return None


def previous_fields(copy, layout, run):
    """(frame, address of its previous-frame pointer) along the deepest thread's chain, found
    as the word of each frame that points to the next older frame pyxray listed."""
    frames = [frame for frame, _ in run.deepest()]
    assert len(frames) >= 3, f"the deepest thread has only {len(frames)} Python frames"
    fields = []
    for newer, older in zip(frames, frames[1:]):
        field = pointer_to(copy, layout, newer, older)
        if field is not None:
            fields.append((newer, field))
    assert len(fields) >= 2, "no frame of the deepest thread points to the next older one"
    return fields


def word_patch(layout, address, value):
    return (layout.offset_of(address), struct.pack("<Q", value))


def frame_points_to_itself(layout, run, copy):
    frame, field = previous_fields(copy, layout, run)[1]
    return [word_patch(layout, field, frame)]


def older_frame_points_back(layout, run, copy):
    """The second frame's previous pointer leads back to the newest: a two-frame cycle."""
    fields = previous_fields(copy, layout, run)
    _, field = fields[1]
    return [word_patch(layout, field, fields[0][0])]


def thread_list_loops(layout, run, copy):
    """The last thread state's `next` (the word after `prev`, in every version) leads back to
    the first: pyxray must list each thread once and stop."""
    tstates = set(run.tstates())
    assert len(tstates) >= 2, "stacks.py runs several threads"
    nexts = {tstate: read_word(copy, layout, tstate + 8) for tstate in tstates}
    assert any(value in tstates for value in nexts.values()), \
        f"no thread state's second word points to another: {nexts}"
    last = [tstate for tstate, value in nexts.items() if value == 0]
    heads = tstates - set(nexts.values())
    assert len(last) == 1 and len(heads) == 1, f"no single list in {nexts}"
    return [word_patch(layout, last[0] + 8, heads.pop())]


def object_header_size(interpreter_id):
    """Where ob_size (and a str's length) sits: after ob_refcnt and ob_type, or after the
    free-threaded header (ob_tid, padding, mutex, gc bits, ob_ref_local, ob_ref_shared, ob_type)."""
    return 32 if "3.13t" in interpreter_id else 16


def absurd_sizes(value):
    """Every object a code object points to (its name, file name, tuples of names and constants,
    its bytecode) claims `value` items or characters."""
    def patches(layout, run, copy, interpreter_id):
        header = object_header_size(interpreter_id)
        result = {}
        for code in run.codes():
            for index in range(24):
                pointer = read_word(copy, layout, code + 8 * index)
                if pointer is None or pointer == code or pointer & 7:
                    continue
                size_at = pointer + header
                if layout.offset_of(size_at) is not None and read_word(copy, layout, size_at) < 1 << 20:
                    result[size_at] = word_patch(layout, size_at, value)
        assert result, "no object behind the code objects"
        return list(result.values())
    return patches


DAMAGES = {
    "thread-state-pages-zeroed": lambda layout, run, copy, _: zeroed_pages(layout, run.tstates(), copy),
    "thread-state-pages-random": lambda layout, run, copy, _: random_pages(layout, run.tstates(), copy),
    "frame-pages-zeroed": lambda layout, run, copy, _: zeroed_pages(layout, run.frames(), copy),
    "frame-pages-random": lambda layout, run, copy, _: random_pages(layout, run.frames(), copy),
    "code-pages-zeroed": lambda layout, run, copy, _: zeroed_pages(layout, run.codes(), copy),
    "code-pages-random": lambda layout, run, copy, _: random_pages(layout, run.codes(), copy),
    "frame-points-to-itself": lambda layout, run, copy, _: frame_points_to_itself(layout, run, copy),
    "older-frame-points-back": lambda layout, run, copy, _: older_frame_points_back(layout, run, copy),
    "thread-list-loops": lambda layout, run, copy, _: thread_list_loops(layout, run, copy),
    "sizes-2**40": absurd_sizes(1 << 40),
    "sizes-2**60": absurd_sizes(1 << 60),
    # Empty objects: a zero-length read of a bytes object (the line table) gave memcpy a null
    # pointer, which UBSan reports (the sanitized pass runs pyenv-3.12).
    "sizes-0": absurd_sizes(0),
}
# Damages worth one interpreter only: the code path does not depend on the layout.
DAMAGE_ONLY_ON = {"sizes-0": {"pyenv-3.12"}}
# Whose output must name the cut: the frames before it are printed with the reason.
CYCLES = {"frame-points-to-itself", "older-frame-points-back"}


class WorkingCopy:
    """One patched-and-restored copy of one interpreter's core at a time (a stacks.py core is
    220-650 MB)."""

    def __init__(self, directory):
        self.directory = directory
        self.interpreter_id = None
        self.path = None
        self.run = None
        self.layout = None

    def get(self, interpreter_id, core_target):
        if interpreter_id != self.interpreter_id:
            self.close()
            self.path = self.directory / f"{interpreter_id}.core"
            shutil.copyfile(core_target.core, self.path)
            self.interpreter_id = interpreter_id
            self.layout = CoreLayout(self.path)
            self.run = good_run(self.path, core_target.executable)
        return self

    def patched(self, patches, check):
        originals = []
        with open(self.path, "r+b") as copy:
            for offset, data in patches:
                copy.seek(offset)
                originals.append((offset, copy.read(len(data))))
                copy.seek(offset)
                copy.write(data)
        try:
            return check()
        finally:
            with open(self.path, "r+b") as copy:
                for offset, data in reversed(originals):
                    copy.seek(offset)
                    copy.write(data)

    def close(self):
        if self.path is not None and self.path.exists():
            self.path.unlink()
        self.interpreter_id = self.path = None


@pytest.fixture(scope="module")
def working_copy(tmp_path_factory):
    copy = WorkingCopy(tmp_path_factory.mktemp("hostile"))
    yield copy
    copy.close()


@pytest.fixture
def hostile_core(hostile_id, core_targets):
    return core_targets.get(interpreters.find(hostile_id))


@pytest.mark.parametrize("hostile_id,damage",
                         [(interpreter_id, damage) for interpreter_id in HOSTILE_IDS
                          for damage in DAMAGES
                          if interpreter_id in DAMAGE_ONLY_ON.get(damage, HOSTILE_IDS)])
def test_damaged_heap(hostile_id, damage, hostile_core, working_copy):
    copy = working_copy.get(hostile_id, hostile_core)
    with open(copy.path, "rb") as reader:
        patches = DAMAGES[damage](copy.layout, copy.run, reader, hostile_id)
    assert patches and all(offset is not None for offset, _ in patches), f"{damage}: nothing to patch"
    outputs = copy.patched(patches, lambda: check_every_frontend(copy.path, hostile_core.executable))
    if damage in CYCLES:
        for frontend, output in outputs.items():
            assert "loops back" in output, f"{frontend} did not name the cycle:\n{output[-3000:]}"


def truncation_points(layout):
    """File sizes to cut the core to: inside the notes, then early, middle and late in the
    PT_LOAD data."""
    note_offset, note_size = layout.notes[0]
    first, end = layout.load_data()
    return {"inside-notes": note_offset + note_size // 2,
            "early": first + (end - first) // 10,
            "middle": first + (end - first) // 2,
            "late": first + (end - first) * 95 // 100}


@pytest.mark.parametrize("cut", ["inside-notes", "early", "middle", "late"])
@pytest.mark.parametrize("hostile_id", HOSTILE_IDS)
def test_truncated_core(hostile_id, cut, hostile_core, tmp_path):
    size = truncation_points(CoreLayout(hostile_core.core))[cut]
    path = prefix_copy(hostile_core.core, tmp_path / f"{cut}.core", size)
    try:
        outputs = check_every_frontend(path, hostile_core.executable)
    finally:
        path.unlink()
    # gcore writes the notes last: every cut loses them, and the CLI must say the core is short.
    assert "the core is truncated" in outputs["cli"], outputs["cli"][-3000:]


@pytest.mark.parametrize("hostile_id", HOSTILE_IDS)
def test_executable_of_another_python(hostile_id, hostile_core):
    other = interpreters.find(SWAPPED_EXE[hostile_id]).executable
    assert other != hostile_core.executable
    check_every_frontend(hostile_core.core, other)

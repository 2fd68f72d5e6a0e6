"""The sampler's second edition, in every front-end: intervals that cannot alias with a periodic
target, --mode wall|cpu|gil and --idle, a launched program's extension imported after start-up
kept in its stacks, and outputs whose format comes from their names.

On pyenv-3.12 (and the free-threaded debian-3.13t where the GIL matters): the modes are the
sampler's, not the layout's, which test_sample.py covers across layout families.
"""
import json
import re
import time

import pytest

from support import drivers
from support import interpreters
from support.folded import folded_mode, parse_folded
from support.sampling import SampleTarget, assert_not_stopped_or_signalled, run_sampler
from support.targets import REPO

PERIODIC = REPO / "fixtures" / "sample" / "periodic.py"
LATE_IMPORT = REPO / "fixtures" / "sample" / "late_import.py"
SAMPLERS = ["cli", "cli-nonblocking", "gdb", "lldb"]
TOLERANCE = 5.0  # points; 1000 samples of a 70/30 split: one standard deviation is 1.45


@pytest.fixture
def periodic(tmp_path):
    started = []

    def start(python_id="pyenv-3.12", *extra):
        truth = tmp_path / "truth.json"
        target = SampleTarget(PERIODIC, interpreters.find(python_id), tmp_path, "--truth", str(truth),
                              *extra)
        target.truth = truth
        started.append(target)
        return target

    yield start
    for target in started:
        target.stop()


def read_truth(target):
    """The fixture's totals so far (it rewrites them about every 0.2 s)."""
    deadline = time.monotonic() + 10
    while not target.truth.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return json.loads(target.truth.read_text())


def truth_share(before, after):
    """hot's share of the time the fixture spent in hot or cold between two reads of its truth:
    the sampler's stops change the split, so the one before sampling does not count."""
    hot, cold = (after[key] - before[key] for key in ("hot_s", "cold_s"))
    return 100.0 * hot / (hot + cold)


def share_of(stacks, name, among=("hot", "cold")):
    def count(function):
        return sum(n for stack, n in stacks.items() if any(f.startswith(f"{function} (") for f in stack))
    return 100.0 * count(name) / sum(count(other) for other in among)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_a_period_the_interval_divides_is_seen_at_every_phase(sampler, periodic, tmp_path):
    """A 10 ms loop, 70% of each period in hot(), sampled at 200 Hz: on a fixed 5 ms grid two
    phases were seen for ever (54-65% measured in every front-end before the intervals varied)."""
    target = periodic()
    errors = []
    while True:  # one run on this shared VM can be disturbed: then the median of three
        output = tmp_path / f"periodic-{len(errors)}.folded"
        before = read_truth(target)
        console = run_sampler(sampler, target, ["--rate", "200", "--samples", "1000", "-o", str(output)])
        time.sleep(0.3)  # the fixture's next write of its truth
        truth = truth_share(before, read_truth(target))
        assert console.count(" samples in ") == 1, console[-3000:]  # the summary line, once
        hot = share_of(parse_folded(output.read_text()), "hot")
        print(f"{sampler}: hot {hot:.1f}% of hot+cold samples, the fixture measured {truth:.1f}%")
        errors.append(hot - truth)
        if abs(errors[0]) <= TOLERANCE or len(errors) == 3:
            break
    error = sorted(errors)[len(errors) // 2]
    assert abs(error) <= TOLERANCE, f"hot off the fixture's split by {[round(e, 1) for e in errors]} points"
    assert target.alive()


def mode_runs(sampler, target, tmp_path, modes):
    """{words: folded stacks}, one run per entry of `modes`; one debugger session for them all."""
    outputs = {words: tmp_path / f"mode-{index}.folded" for index, words in enumerate(modes)}
    lines = [["--rate", "200", "--samples", "300", "--python-only", *words.split(), "-o", str(path)]
             for words, path in outputs.items()]
    if sampler.startswith("cli"):
        for words in lines:
            run_sampler(sampler, target, words)
    elif sampler == "gdb":
        console = drivers.run_gdb(target, [" ".join(["py-sample", *words]) for words in lines],
                                  merge_stderr=True).stdout
        assert console.count(" samples in ") == len(lines), console[-3000:]
    else:
        commands = [" ".join(["py-sample", *words]) for words in lines]
        console = drivers.run(drivers.lldb_command(target, commands), merge_stderr=True).stdout
        assert console.count(" samples in ") == len(lines), console[-3000:]
    return {words: path.read_text() for words, path in outputs.items()}


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_modes_keep_the_threads_they_name(sampler, periodic, tmp_path):
    """periodic.py's main thread loops on a CPU holding the GIL; its truth thread sleeps (it
    writes a line a second). wall sees both; cpu and gil the loop only; --idle keeps the
    sleeper, its stacks ending in (idle)."""
    target = periodic()
    modes = ["--mode wall", "--mode cpu", "--mode cpu --idle"]
    if sampler != "cli-nonblocking":  # the GIL holder moves while a running process is read
        modes.append("--mode gil")
    folded = mode_runs(sampler, target, tmp_path, modes)
    for words, text in folded.items():
        stacks = parse_folded(text)
        total = sum(stacks.values())
        sleeper = sum(n for stack, n in stacks.items() if any(f.startswith("write_truth (") for f in stack))
        idle = sum(n for stack, n in stacks.items() if stack[-1] == "(idle)")
        mode = words.split()[1] + (" with idle threads" if "--idle" in words else "")
        assert folded_mode(text) == mode, text[:200]
        share = 100.0 * sleeper / total
        print(f"{sampler} {words}: the sleeping thread in {share:.1f}% of {total} stacks, {idle} idle")
        if words == "--mode wall":
            assert 40 <= share <= 60, (words, share)
            assert idle == 0
        elif "--idle" in words:
            assert 40 <= share <= 60, (words, share)
            assert idle >= 0.9 * sleeper > 0, (idle, sleeper)
        else:
            assert share <= 10, (words, share)
            assert idle == 0
    assert target.alive()
    if sampler != "cli-nonblocking":
        assert_not_stopped_or_signalled(target)


@pytest.mark.parametrize("sampler", ["cli", "gdb", "lldb"])
def test_gil_mode_says_it_does_not_apply_without_a_gil(sampler, periodic):
    target = periodic("debian-3.13t")
    line = "py-sample --samples 5 --mode gil"
    if sampler == "cli":
        completed = drivers.run([drivers.CLI, "sample", "--pid", target.pid, "--samples", "5",
                                 "--mode", "gil"])
        assert completed.returncode != 0
        output = completed.stderr
        assert len(output.strip().splitlines()) == 1, output
    elif sampler == "gdb":
        output = drivers.run_gdb(target, [line, "py-xbt"], merge_stderr=True).stdout
        assert "loop (" in output, output  # the session went on
    else:
        output = drivers.run(drivers.lldb_command(target, [line]), merge_stderr=True).stdout
    assert re.search(r"--mode gil does not apply to Python 3\.13\.\d+: it is free-threaded", output), output
    assert "Traceback" not in output
    assert target.alive()


def test_a_launched_program_keeps_the_extension_it_imports_later(tmp_path):
    """Launched, the program is attached before it imports _json: the unwinder met code in no
    module it knew and used to drop the native part, putting scan_once_unicode's time on the
    Python caller."""
    interpreter = interpreters.find("pyenv-3.12")
    output, loaded = tmp_path / "late.folded", tmp_path / "loaded"
    completed = drivers.run([drivers.CLI, "sample", "--rate", "200", "-o", output, "--",
                             interpreter.executable, LATE_IMPORT, "--seconds", "3", "--loaded", loaded])
    assert completed.returncode == 0, completed.stderr
    assert "_json" in loaded.read_text()
    stacks = parse_folded(output.read_text())
    parsing = {stack: n for stack, n in stacks.items()
               if any(f.startswith("parse_forever (") for f in stack)}
    scanning = sum(n for stack, n in parsing.items() if "scan_once_unicode" in stack)
    print(f"scan_once_unicode in {scanning} of {sum(parsing.values())} parsing stacks")
    assert scanning >= 0.5 * sum(parsing.values()) > 0, completed.stdout
    found = re.search(r"(\d+) with Python frames only", completed.stderr)
    lost = int(found.group(1)) if found else 0
    assert lost <= 0.02 * sum(stacks.values()), completed.stderr


@pytest.mark.parametrize("sampler", ["cli", "gdb", "lldb"])
def test_each_output_takes_its_format_from_its_name(sampler, periodic, tmp_path):
    target = periodic()
    names = ["p.html", "p.folded", "p.speedscope.json", "p.txt"]
    words = ["--rate", "200", "--samples", "60", "--mode", "cpu"]
    for name in names:
        words += ["-o", str(tmp_path / name)]
    console = run_sampler(sampler, target, words)
    assert console.count(" samples in ") == 1, console[-3000:]
    for name in names:
        assert f"wrote {tmp_path / name}" in console, console[-3000:]
    assert (tmp_path / "p.html").read_text().startswith("<!DOCTYPE html>")
    assert folded_mode((tmp_path / "p.folded").read_text()) == "cpu"
    assert json.loads((tmp_path / "p.speedscope.json").read_text())["name"] == "pyxray sample, mode cpu"
    assert "(mode cpu)" in (tmp_path / "p.txt").read_text()
    unknown = drivers.run([drivers.CLI, "sample", "--pid", target.pid, "-o", tmp_path / "p.svg"])
    assert unknown.returncode != 0
    assert "cannot tell the format of" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1

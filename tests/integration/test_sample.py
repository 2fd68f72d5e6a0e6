"""The sampler (py-sample in gdb and LLDB, `pyxray sample`): accuracy on a fixture whose profile
is known by construction, the output formats in their tools' terms (folded lines, speedscope's
file format schema; the HTML timeline in test_timeline_html.py), --slow, Ctrl-C, and the target
left as found.

Sampled on three interpreters of different layout families (3.8's legacy frames, 3.12, the
free-threaded 3.13t) rather than the whole matrix: each run lasts seconds, not milliseconds.
"""
import json
import re
import signal
import subprocess

import pytest

from support import drivers
from support import interpreters
from support.folded import parse_folded
from support.sampling import SampleTarget, assert_not_stopped_or_signalled, run_sampler
from support.targets import REPO, quiet_environment

CPU_SPLIT = REPO / "fixtures" / "sample" / "cpu_split.py"
SAMPLE_INTERPRETERS = ["pyenv-3.12", "debian-3.13t", "pyenv-3.8"]
SAMPLERS = ["cli", "cli-nonblocking", "gdb", "lldb"]
HOT_SHARE, TOLERANCE = 70.0, 5.0
RATE, SAMPLES = 200, 600  # ~1 point of sampling error on 10-40 ms cycles (see the fixture)


@pytest.fixture
def cpu_split(request, tmp_path):
    started = []

    def start(interpreter_id, *extra):
        target = SampleTarget(CPU_SPLIT, interpreters.find(interpreter_id), tmp_path, *extra)
        started.append(target)
        return target

    yield start
    for target in started:
        target.stop()


def hot_share(stacks):
    """hot's share of the samples in hot or cold, in percent."""
    def count(name):
        return sum(n for stack, n in stacks.items() if any(f.startswith(f"{name} (") for f in stack))
    hot, cold = count("hot"), count("cold")
    assert hot + cold > SAMPLES // 2, f"too few samples in hot/cold: {hot}+{cold}"
    return 100.0 * hot / (hot + cold)


def sample_words(output, *extra):
    return ["--rate", str(RATE), "--samples", str(SAMPLES), "--format", "folded",
            "-o", str(output), *extra]


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("python_id", SAMPLE_INTERPRETERS)
def test_split_is_within_five_points(python_id, sampler, cpu_split, tmp_path):
    """The hot share of one run; when it is off, of the median of three: one run on this shared
    VM can be disturbed (lldb-16 on pyenv-3.8 measured 41.3% hot once in a fresh-clone run at
    731d368 while the same build gave 70+-5 on every rerun)."""
    target = cpu_split(python_id)
    shares = []
    while True:
        output = tmp_path / f"profile-{len(shares)}.folded"
        console = run_sampler(sampler, target, sample_words(output))
        assert f"{SAMPLES} samples in" in console, console[-3000:]
        assert console.count(" samples in ") == 1, console[-3000:]  # the summary line, once
        stacks = parse_folded(output.read_text())
        shares.append(hot_share(stacks))
        print(f"{python_id} {sampler}: hot {shares[-1]:.1f}% of {sum(stacks.values())} stacks")
        if abs(shares[0] - HOT_SHARE) <= TOLERANCE or len(shares) == 3:
            break
    share = sorted(shares)[len(shares) // 2]
    assert abs(share - HOT_SHARE) <= TOLERANCE, \
        f"hot {share:.1f}% (median of {[round(s, 1) for s in shares]}), expected {HOT_SHARE}±{TOLERANCE}"
    # Root first: the module's frame comes before busy, busy before hot.
    hot_stack = max((s for s in stacks if any(f.startswith("hot (") for f in s)), key=stacks.get)
    names = [frame.split(" (")[0] for frame in hot_stack]
    assert names.index("<module>") < names.index("busy") < names.index("hot"), hot_stack
    if sampler in ("cli", "gdb", "lldb"):
        assert any(not frame.endswith(")") for frame in hot_stack), f"no native frame: {hot_stack}"
    assert re.search(r"self%\s+total%\s+function", console), console[-3000:]
    assert target.alive(), "the sampler killed the target"
    if sampler == "gdb":  # the user's handling of the stop signal is back
        assert re.search(r"SIG63\s+Yes\s+Yes\s+Yes", console), console[-2000:]
    if sampler == "lldb":
        assert re.search(r"SIGSTOP\s+false\s+true\s+true", console), console[-2000:]
    assert_not_stopped_or_signalled(target)


def test_launched_program_top_table(tmp_path):
    interpreter = interpreters.find("pyenv-3.12")
    completed = drivers.run([drivers.CLI, "sample", "--rate", "200", "--python-only", "--",
                             interpreter.executable, CPU_SPLIT, "--seconds", "3"])
    assert completed.returncode == 0, completed.stderr
    rows = {}
    for line in completed.stdout.splitlines():
        found = re.match(r"^\s*([\d.]+)\s+([\d.]+)\s+(\S+) \(", line)
        if found:
            rows[found.group(3)] = (float(found.group(1)), float(found.group(2)))
    assert {"hot", "cold", "busy"} <= set(rows), completed.stdout
    assert rows["busy"][1] > rows["hot"][1] > rows["cold"][1], rows
    share = 100 * rows["hot"][1] / (rows["hot"][1] + rows["cold"][1])
    assert abs(share - HOT_SHARE) <= TOLERANCE, completed.stdout


def speedscope_schema():
    """speedscope's file format (src/lib/file-format-spec.ts, published as
    https://www.speedscope.app/file-format-schema.json), as far as sampled profiles go."""
    number = {"type": "number"}
    frame = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "file": {"type": "string"}, "line": number, "col": number}}
    sampled = {"type": "object",
               "required": ["type", "name", "unit", "startValue", "endValue", "samples", "weights"],
               "properties": {
                   "type": {"const": "sampled"}, "name": {"type": "string"},
                   "unit": {"enum": ["none", "nanoseconds", "microseconds", "milliseconds",
                                     "seconds", "bytes"]},
                   "startValue": number, "endValue": number,
                   "samples": {"type": "array",
                               "items": {"type": "array", "items": {"type": "integer", "minimum": 0}}},
                   "weights": {"type": "array", "items": number}}}
    return {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "required": ["$schema", "shared", "profiles"],
            "properties": {
                "$schema": {"const": "https://www.speedscope.app/file-format-schema.json"},
                "shared": {"type": "object", "required": ["frames"],
                           "properties": {"frames": {"type": "array", "items": frame}}},
                "profiles": {"type": "array", "items": sampled},
                "name": {"type": "string"}, "activeProfileIndex": number,
                "exporter": {"type": "string"}}}


def test_speedscope_is_valid(cpu_split, tmp_path):
    import jsonschema

    target = cpu_split("pyenv-3.12", "--threads", "2")
    output = tmp_path / "profile.speedscope.json"
    drivers.run([drivers.CLI, "sample", "--pid", target.pid, "--rate", "200", "--samples", "100",
                 "--format", "speedscope", "-o", output])
    document = json.loads(output.read_text())
    jsonschema.validate(document, speedscope_schema())
    frames = document["shared"]["frames"]
    assert len(document["profiles"]) == 3, [p["name"] for p in document["profiles"]]
    for profile in document["profiles"]:
        assert len(profile["samples"]) == len(profile["weights"]) > 0
        assert profile["startValue"] <= profile["endValue"]
        assert all(index < len(frames) for stack in profile["samples"] for index in stack)
    names = {frame["name"] for frame in frames}
    assert {"hot", "cold", "busy"} <= names


def test_slow_requests(cpu_split, tmp_path):
    target = cpu_split("pyenv-3.12", "--requests")
    completed = drivers.run([drivers.CLI, "sample", "--pid", target.pid, "--python-only",
                             "--rate", "200", "--duration", "2", "--slow", "150"])
    assert completed.returncode == 0, completed.stderr
    report = completed.stdout.split("slow requests", 1)[1]
    found = re.findall(r"\(requests\): handle_request \(\S+\) for at least (\d+) ms", report)
    # A slow request (300 ms) every 4 requests of ~50 ms idle each: 2 s holds about 3.
    assert 1 <= len(found) <= 4, report
    assert all(150 < int(ms) <= 400 for ms in found), found
    assert "at first sight:" in report and "at last sight:" in report


def test_ctrl_c_ends_early_and_keeps_results(cpu_split, tmp_path):
    target = cpu_split("pyenv-3.12")
    sampler = subprocess.Popen([str(drivers.CLI), "sample", "--pid", str(target.pid), "--rate", "100"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=quiet_environment())
    try:
        progress = sampler.stderr.readline()  # the first progress line: it has samples
        assert progress.startswith("sampling: "), progress + sampler.stderr.read()
        sampler.send_signal(signal.SIGINT)
        stdout, stderr = sampler.communicate(timeout=30)
    finally:
        if sampler.poll() is None:
            sampler.kill()
            sampler.wait()
    assert sampler.returncode == 0, stderr
    assert "ended early: interrupted" in stderr, stderr
    assert "hot (" in stdout, stdout
    assert target.alive()
    assert_not_stopped_or_signalled(target)


@pytest.mark.parametrize("tool", ["gdb", "lldb", "cli"])
def test_bad_arguments_get_one_line(tool, cpu_split):
    target = cpu_split("pyenv-3.12")
    if tool == "cli":
        completed = drivers.run([drivers.CLI, "sample", "--pid", target.pid, "--format", "svg"])
        assert completed.returncode != 0
        assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
        return
    commands = ["py-sample --rate fast", "py-sample --samples 3 --duration 1", "py-xbt -a"]
    if tool == "gdb":
        output = drivers.run_gdb(target, commands, merge_stderr=True).stdout
    else:
        output = drivers.run(drivers.lldb_command(target, commands, batch=False), merge_stderr=True,
                             stdin_text="").stdout
    assert "py-sample: --rate needs a positive number, not 'fast'" in output, output
    assert "Traceback" not in output
    if tool == "gdb":  # the session went on
        assert "give --duration or --samples, not both" in output
        assert "busy (" in output, output
    assert target.alive()

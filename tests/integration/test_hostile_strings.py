"""Strings from the target never reach the terminal raw (issue 17, item 5).

fixtures/hostile_names.py runs a code object named with a CSI sequence, from a file whose name
holds an OSC title sequence, a clear-screen and a lone surrogate (bytes that are no UTF-8), in a
thread named with an OSC sequence and a surrogate, while the main thread handles an exception
whose type is named with an OSC sequence. Every text view of every front-end, live and on a
gcore, must show each of them escaped as repr() escapes it (without the quotes) and print no
control character nor invalid UTF-8; JSON keeps the exact value (invalid UTF-8 as U+FFFD).
"""

import json
import re
import shutil

import pytest

from support import interpreters
from support.drivers import CLI, extract_json, require, run, run_gdb, run_lldb
from support.targets import REPO, FixtureProcess, Target, make_core

HOSTILE_PY = REPO / "fixtures" / "hostile_names.py"
# 3.8: co_name only, PyFrameObject chains; 3.12: co_qualname, _PyInterpreterFrame.
IDS = ["pyenv-3.8", "pyenv-3.12"]
# What a terminal would act on: C0 controls but newline and tab, DEL, C1 controls, and the
# replacement character drivers.run() decodes bytes that are no UTF-8 to.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")


def escaped(text):
    """repr() without its quotes (none of the fixture's strings holds a quote or backslash)."""
    return repr(text)[1:-1]


@pytest.fixture(scope="module", params=IDS)
def hostile_targets(request, tmp_path_factory):
    """The running fixture and a gcore of it, for one interpreter."""
    interpreter = interpreters.find(request.param)
    workdir = tmp_path_factory.mktemp(f"hostile-names-{request.param}")
    process = FixtureProcess(interpreter, workdir, script=HOSTILE_PY)
    try:
        record = process.wait_until_blocked()
        core = make_core(process.pid, workdir / "hostile.core")
        yield {"live": Target("live", interpreter, record, process.pid),
               "core": Target("core", interpreter, record, process.pid, core)}
    finally:
        process.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def assert_escaped(output, record, what, thread_name=True):
    raw = RAW.search(output)
    assert raw is None, f"{what}: raw {raw.group()!r} at {raw.start()}:\n{output[-3000:]!r}"
    expected = {"code name": escaped(record["code_name"]), "file name": escaped(record["file_name"])}
    if thread_name:
        expected["thread name"] = escaped(record["thread_name"])
    for name, text in expected.items():
        assert text in output, f"{what}: no escaped {name} {text}:\n{output[-3000:]}"


def assert_exception_escaped(output, record, what):
    line = f"exception (handling): {escaped(record['type_name'])}: {escaped(record['message'])}"
    assert line in output, f"{what}: no {line!r}:\n{output[-3000:]}"


@pytest.mark.parametrize("seen", ["live", "core"])
def test_cli_text_views_escape_target_strings(hostile_targets, seen):
    require(CLI, "the pyxray CLI")
    target = hostile_targets[seen]
    where = ["--pid", target.pid] if seen == "live" else ["--core", target.core, "--exe", target.executable]
    views = {"xbt": [CLI, "xbt", *where, "--locals"], "threads": [CLI, "threads", *where, "--stacks"]}
    if seen == "core":
        views["core"] = [CLI, "core", target.core, "--exe", target.executable]
    for view, command in views.items():
        completed = run(command)
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"pyxray {view} ({seen}): {output[-2000:]}"
        assert_escaped(output, target.record, f"pyxray {view} ({seen})")
        if view != "threads":
            assert_exception_escaped(output, target.record, f"pyxray {view} ({seen})")
    # The census names every type, the exception's crafted class among them.
    completed = run([CLI, "heap", *where, "--top", "100000"])
    output = completed.stdout + completed.stderr
    raw = RAW.search(output)
    assert completed.returncode == 0 and raw is None, f"pyxray heap ({seen}): {output[-2000:]!r}"
    assert f"__main__.{escaped(target.record['type_name'])} " in output, output[-3000:]


@pytest.mark.parametrize("seen", ["live", "core"])
def test_debuggers_escape_target_strings(hostile_targets, seen):
    target = hostile_targets[seen]
    commands = ["py-xbt -a --locals", "py-threads", "py-heap --top 100000"]
    for name, completed in (("gdb", run_gdb(target, commands)), ("lldb", run_lldb(target, commands))):
        output = completed.stdout + completed.stderr
        assert_escaped(output, target.record, f"{name} ({seen})")
        assert_exception_escaped(output, target.record, f"{name} ({seen})")
        assert f"__main__.{escaped(target.record['type_name'])} " in output, f"{name} py-heap ({seen})"


def test_json_keeps_the_exact_strings(hostile_targets):
    target = hostile_targets["core"]
    completed = run([CLI, "xbt", "--core", target.core, "--exe", target.executable, "--json"])
    document = extract_json(completed, "pyxray xbt --json")
    record = target.record
    python_frames = [frame for thread in document["threads"] for frame in thread["frames"]
                     if frame["kind"] == "python"]
    crafted = [frame for frame in python_frames if frame["qualname"] == record["code_name"]]
    assert len(crafted) == 2, python_frames  # one per thread
    # The surrogate is no UTF-8: U+FFFD stands for it, the rest is the exact name.
    before, after = record["file_name"].split("\udcff")
    for frame in crafted:
        assert re.fullmatch(re.escape(before) + "\ufffd+" + re.escape(after), frame["file"]), frame
    types = [thread["exception"]["type"] for thread in document["threads"] if thread.get("exception")]
    assert types == [record["type_name"]], document["threads"]
    json.dumps(document)  # the document round-trips

"""Names and files as they are (issue 16).

C++ frames: fixtures/cxx/cxx_block.py blocks in a Python callback that a C++ function,
`app::Worker::block(_object*)`, calls; gdb, LLDB and the CLI show that frame demangled between
the Python frames, in text and JSON, with the raw name in JSON's `linkage_name`.

--exe of another build: the core's own executable is read (the analysis stays right), and the
output says the named one was ignored, why, and which file was read.
"""

import json
import os

import pytest

from support import interpreters
from support.drivers import CLI, FRONTENDS, extract_json, require, run, run_cli, run_gdb, run_lldb
from support.extensions import build_extension
from support.frames import python_frames
from support.targets import REPO, FixtureProcess, Target

CXX_DIR = REPO / "fixtures" / "cxx"
CXX_BLOCK_PY = CXX_DIR / "cxx_block.py"
DEMANGLED = "app::Worker::block(_object*)"
MANGLED = "_ZN3app6Worker5blockEP7_object"
# A pyenv build (--enable-shared, PIE) and Debian's LTO, non-PIE python3.11.
CXX_INTERPRETERS = ["pyenv-3.12", "debian-3.11"]


class CxxTargets:
    """Per interpreter: cxx_block.py running, with cxxblock built for it in its directory."""

    def __init__(self, directory):
        self.directory = directory
        self.processes = {}

    def get(self, interp_id):
        if interp_id not in self.processes:
            interpreter = interpreters.find(interp_id)
            workdir = self.directory / interp_id
            build_extension(interpreter, CXX_DIR / "cxxblock.cpp", "cxxblock", workdir)
            process = FixtureProcess(interpreter, workdir, script=CXX_BLOCK_PY)
            self.processes[interp_id] = process
            record = process.wait_until_blocked()
            self.processes[interp_id].target = Target("live", interpreter, record, process.pid)
        return self.processes[interp_id].target

    def close(self):
        for process in self.processes.values():
            process.stop()


@pytest.fixture(scope="module")
def cxx_targets(tmp_path_factory):
    targets = CxxTargets(tmp_path_factory.mktemp("cxx"))
    yield targets
    targets.close()


def text_and_json(frontend, target):
    """py-xbt's text and --json in one debugger session (the CLI runs twice)."""
    if frontend == "gdb":
        completed = run_gdb(target, ["py-xbt -a", "echo @@JSON@@\\n", "py-xbt -a --json"])
    elif frontend == "lldb":
        completed = run_lldb(target, ["py-xbt -a", "script print('@@JSON@@')", "py-xbt -a --json"])
    else:
        text = run_cli(target, [])
        assert text.returncode == 0, text.stderr
        return text.stdout, extract_json(run_cli(target, ["--json"]), "pyxray xbt --json")
    text, _, rest = completed.stdout.partition("@@JSON@@")
    return text, extract_json(completed, f"{frontend} py-xbt --json")


@pytest.mark.parametrize("tool", FRONTENDS)
@pytest.mark.parametrize("cxx_interp", CXX_INTERPRETERS)
def test_cpp_frame_demangled_between_python_frames(cxx_interp, tool, cxx_targets):
    target = cxx_targets.get(cxx_interp)
    text, document = text_and_json(tool, target)
    thread = next(t for t in document["threads"] if t["tid"] == target.record["threads"][0]["tid"])
    assert thread["merged"], thread.get("notes")
    frames = thread["frames"]
    names = [frame.get("function") for frame in frames]
    cpp = [i for i, frame in enumerate(frames)
           if frame["kind"] == "native" and frame["function"] == DEMANGLED]
    assert len(cpp) == 1, f"no single {DEMANGLED} frame in {names}"
    assert frames[cpp[0]]["linkage_name"] == MANGLED
    python = [i for i, frame in enumerate(frames) if frame["kind"] == "python"]
    inner = [frames[i]["function"] for i in python if i < cpp[0]]
    outer = [frames[i]["function"] for i in python if i > cpp[0]]
    assert inner == ["in_callback"], names
    assert outer == ["main", "<module>"], names
    assert [f["function"] for f in python_frames(thread)] == \
        [f["function"] for f in target.record["threads"][0]["frames"]]
    assert DEMANGLED in text
    assert MANGLED not in text
    # C names stay as they are: linkage_name is the function's own name
    assert all(frame["linkage_name"] == frame["function"] for frame in frames
               if frame["kind"] == "native" and frame["function"] and "::" not in frame["function"]
               and "(" not in frame["function"]), names


# --- --exe naming another build -----------------------------------------------------------

OTHER_BUILD = "pyenv-3.11"  # any executable with another build-id than the core's


def test_exe_of_another_build_is_ignored_and_said(core_targets, tmp_path):
    require(CLI, "the pyxray CLI")
    target = core_targets.get(interpreters.find(CXX_INTERPRETERS[0]))
    other = str(interpreters.find(OTHER_BUILD).executable)
    plain = run([CLI, "xbt", "--core", target.core, "--json"])
    assert plain.returncode == 0, plain.stderr
    expected = json.loads(plain.stdout)
    with_other = run([CLI, "xbt", "--core", target.core, "--exe", other, "--json"])
    assert with_other.returncode == 0, with_other.stderr
    document = json.loads(with_other.stdout)
    assert os.path.realpath(document["target"]["executable"]) == os.path.realpath(target.record["executable"])
    ignored = document["target"]["ignored_executable"]
    assert ignored["path"] == other
    assert ignored["reason"].startswith("its build-id "), ignored
    assert "is not the one the core recorded" in ignored["reason"]
    # the analysis is the one without --exe
    assert document["threads"] == expected["threads"]
    assert expected["target"]["ignored_executable"] is None
    text = run([CLI, "xbt", "--core", target.core, "--exe", other])
    note = (f"note: executable {other} not used: {ignored['reason']}; "
            f"read {document['target']['executable']} instead")
    assert note in text.stdout.splitlines()
    report = run([CLI, "core", target.core, "--exe", other])
    assert f"  executable: {document['target']['executable']}" in report.stdout.splitlines()
    assert note in report.stdout.splitlines()


def test_exe_of_the_same_build_is_used_without_a_note(core_targets, tmp_path):
    target = core_targets.get(interpreters.find(CXX_INTERPRETERS[0]))
    copy = tmp_path / "python-copy"
    copy.symlink_to(target.executable)
    completed = run([CLI, "xbt", "--core", target.core, "--exe", copy, "--json"])
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["target"]["executable"] == str(copy)
    assert document["target"]["ignored_executable"] is None

"""The LLDB plugin's two ways to read modules' symbols and sections give the same answers.

`direct` reads the ELF files on disk, as gdb and the CLI do; `sbapi` asks LLDB's own view of
each module (SBModule, SBSection), the only way on a macOS target. Linux targets get direct by
default; here both run in one LLDB session on every interpreter build, live and on a core, and
every byte of py-xbt's and py-threads' JSON must agree.
"""

import re

import pytest

from support.drivers import json_documents, lldb_command, run, run_lldb

BACKEND_LINE = re.compile(r"^pyxray symbol backend: (.*); (\d+) look-ups answered by LLDB's module view",
                          re.MULTILINE)
REPORTS = ["py-xbt -a --json --locals", "py-threads --json"]


def backend_lines(completed):
    return [(match.group(1), int(match.group(2))) for match in BACKEND_LINE.finditer(completed.stdout)]


def reports_through(backend):
    return [f"py-backend {backend}", *REPORTS]


@pytest.mark.matrix(frontend="lldb-sbapi")
def test_sbapi_backend_reports_what_the_direct_one_does(interp_id, target):
    completed = run_lldb(target, [*reports_through("direct"), *reports_through("sbapi"), "py-backend"])
    documents = json_documents(completed)
    assert len(documents) == 4, (f"expected 4 JSON documents:\n"
                                 f"{completed.stdout[-3000:]}{completed.stderr[-2000:]}")
    direct, sbapi = documents[:2], documents[2:]
    assert any(frame.get("kind") == "python"
               for thread in direct[0]["threads"] for frame in thread["frames"]), "no Python frames at all"
    assert sbapi[0] == direct[0], "py-xbt -a --json --locals differs between backends"
    assert sbapi[1] == direct[1], "py-threads --json differs between backends"
    # Each line's count is of the look-ups before it: none by the direct run, some by the sbapi run.
    (direct_choice, _), (sbapi_choice, after_direct), (_, after_sbapi) = backend_lines(completed)
    assert direct_choice.startswith("direct") and sbapi_choice.startswith("sbapi")
    assert after_direct == 0, "the direct run went through LLDB's module view"
    assert after_sbapi > 0, "the sbapi run asked LLDB nothing"


def test_linux_targets_get_the_direct_backend_by_default(any_core_target):
    completed = run_lldb(any_core_target, ["py-backend", *REPORTS, "py-backend"])
    (before, _), (after, lookups) = backend_lines(completed)
    assert before.startswith("auto: direct for target x86_64") and "linux" in before
    assert lookups == 0, "auto on a Linux target went through LLDB's module view"
    assert len(json_documents(completed)) == 2


def test_environment_chooses_the_backend_at_load(any_core_target):
    completed = run(lldb_command(any_core_target, [*REPORTS, "py-backend"]),
                    extra_environment={"PYXRAY_LLDB_BACKEND": "sbapi"})
    [(choice, lookups)] = backend_lines(completed)
    assert choice.startswith("sbapi") and lookups > 0
    assert len(json_documents(completed)) == 2


def test_a_bad_environment_value_warns_once_and_keeps_auto(any_core_target):
    completed = run(lldb_command(any_core_target, ["py-backend"]),
                    extra_environment={"PYXRAY_LLDB_BACKEND": "macos"})
    warnings = [line for line in completed.stderr.splitlines() if "PYXRAY_LLDB_BACKEND" in line]
    assert warnings == ["pyxray: PYXRAY_LLDB_BACKEND=macos is not one of auto, direct, sbapi; using auto"]
    [(choice, _)] = backend_lines(completed)
    assert choice.startswith("auto: direct")

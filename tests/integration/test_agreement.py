"""On one core, gdb, LLDB and the CLI print the same Python frames for every thread."""

import pytest

from support.drivers import FRONTENDS, ToolFailure, xbt_json
from support.frames import comparable, python_frames

KEYS = ["function", "qualname", "file", "line"]


def python_stacks(document):
    return {thread.get("tid"): comparable(python_frames(thread), KEYS)
            for thread in document.get("threads", [])}


@pytest.mark.matrix(frontend="agree", mode="core")
def test_frontends_agree_on_python_frames(interp_id, core_target):
    stacks, failures = {}, []
    for frontend in FRONTENDS:
        try:
            stacks[frontend] = python_stacks(xbt_json(frontend, core_target))
        except ToolFailure as failure:
            failures.append(f"{frontend}: {str(failure).splitlines()[0]}")
    assert not failures, "front-ends failed on the core: " + "; ".join(failures)
    assert stacks["gdb"] == stacks["cli"]
    assert stacks["lldb"] == stacks["cli"]

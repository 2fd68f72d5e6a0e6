"""Every front-end says whether the target is a free-threaded build (Py_GIL_DISABLED,
`python3.13t`), and says it right: the interpreter itself is the oracle."""

import functools
import subprocess

import pytest

from support.drivers import run_cli, xbt_json

ASK_GIL_DISABLED = ("import sysconfig; "
                    "print(1 if sysconfig.get_config_var('Py_GIL_DISABLED') else 0)")


@functools.lru_cache(maxsize=None)
def is_free_threaded(executable):
    """What the interpreter's own build configuration says."""
    completed = subprocess.run([str(executable), "-c", ASK_GIL_DISABLED], capture_output=True,
                               text=True, timeout=60, check=True)
    return completed.stdout.strip() == "1"


def test_json_says_whether_free_threaded(interp_id, frontend, mode, target):
    described = xbt_json(frontend, target).get("target", {})
    assert "free_threaded" in described, f"no free_threaded in {described}"
    assert described["free_threaded"] is is_free_threaded(target.interpreter.executable)


@pytest.mark.matrix(frontend="cli", mode="core")
def test_text_header_names_a_free_threaded_build(interp_id, core_target):
    completed = run_cli(core_target, [])
    header = completed.stdout.splitlines()[0] if completed.stdout else ""
    assert header.startswith("CPython "), f"unexpected first line {header!r}\n{completed.stderr}"
    free_threaded = is_free_threaded(core_target.interpreter.executable)
    assert ("(free-threaded)" in header) is free_threaded, header

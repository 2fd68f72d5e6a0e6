"""py-xbt through gdb, LLDB and the CLI, live and on cores, against stacks.py's own record.

Parametrised by conftest.py over interpreter x front-end x live/core. Each front-end runs once
per target and flag set (cached), so the tests below only read its JSON.
"""

import os

import pytest

from support import stripped
from support.drivers import GDB_WITHOUT_DEBUG_INFO, extract_json, run_cli, xbt_json
from support.frames import (
    comparable, describe, is_libc_sleep, is_list_sort, native_frames, oracle_keys, plain_name, python_frames,
    python_indices, recorded_threads, threads_by_tid)


def names_static_functions(frontend, interp_id):
    """Without python3.11-dbg's symbols, Debian's stripped python3.11 names only its exported
    functions: `time_sleep` and `list_sort` are static, so no tool can name them; nor in the
    matrix's stripped copies (stripped.py). libc keeps `clock_nanosleep` in .dynsym, and the
    Python frames need no symbols at all."""
    return frontend != GDB_WITHOUT_DEBUG_INFO and not stripped.split_id(interp_id)[1]


def thread_for(document, recorded):
    thread = threads_by_tid(document).get(recorded["tid"])
    assert thread is not None, (
        f"thread {recorded['name']!r} (tid {recorded['tid']}) missing; pyxray shows tids "
        f"{sorted(t.get('tid') for t in document.get('threads', []))}")
    return thread


def merged_thread(document, target, name):
    recorded = recorded_threads(target.record)[name]
    thread = thread_for(document, recorded)
    assert thread.get("merged") is True, (
        f"{name}: stacks not merged; notes: {thread.get('notes')}\n"
        f"python:\n{describe(thread.get('frames', []))}\n"
        f"native:\n{describe(thread.get('native_frames') or [])}")
    return recorded, thread


def assert_python_frames_match(document, target):
    actual, expected = {}, {}
    for recorded in target.record["threads"]:
        thread = thread_for(document, recorded)
        assert thread.get("python") is True, f"{recorded['name']}: \"python\" is not true"
        keys = oracle_keys(recorded)
        actual[recorded["name"]] = comparable(python_frames(thread), keys)
        expected[recorded["name"]] = comparable(recorded["frames"], keys)
    assert actual == expected


def test_python_frames_match_record(interp_id, frontend, mode, target):
    assert_python_frames_match(xbt_json(frontend, target), target)


def test_target_description(interp_id, frontend, mode, target):
    document = xbt_json(frontend, target)
    described = document.get("target", {})
    assert document.get("pyxray") == 1
    assert described.get("kind") == mode
    assert described.get("pid") == target.record["pid"]
    assert described.get("python_version") == target.record["python_version"]
    assert os.path.realpath(described.get("executable", "")) == \
        os.path.realpath(target.record["executable"])
    # stacks.py has exactly the threads it recorded (the harness checked /proc/PID/task)
    assert sorted(threads_by_tid(document)) == sorted(t["tid"] for t in target.record["threads"])


def test_sleeper_sleeps_in_libc_under_time_sleep(interp_id, frontend, mode, target):
    """Innermost first: libc's sleep, ..., time_sleep, then the Python frame f2."""
    recorded, thread = merged_thread(xbt_json(frontend, target), target, "sleeper")
    frames = thread["frames"]
    assert python_indices(frames), f"sleeper: no Python frames\n{describe(frames)}"
    first_python = python_indices(frames)[0]
    assert comparable([frames[first_python]], ["file", "line", "function"]) == \
        comparable(recorded["frames"][:1], ["file", "line", "function"])
    inner = [plain_name(frame.get("function")) for frame in frames[:first_python]]
    sleeps = [index for index, frame in enumerate(frames[:first_python])
              if is_libc_sleep(frame.get("function"))]
    assert sleeps, f"sleeper: no libc sleep inside f2; inner native frames {inner}\n" \
                   f"{describe(frames)}"
    if names_static_functions(frontend, interp_id):
        assert "time_sleep" in inner, f"sleeper: no time_sleep inside f2: {inner}"
        assert sleeps[0] < inner.index("time_sleep"), \
            f"sleeper: libc sleep is not inside time_sleep: {inner}"


def test_sorter_key_function_above_list_sort(interp_id, frontend, mode, target):
    """Innermost first: ..., key_fn (Python), C list.sort frames, the caller `sorter`."""
    recorded, thread = merged_thread(xbt_json(frontend, target), target, "sorter")
    frames = thread["frames"]
    indices = python_indices(frames)
    assert len(indices) >= 2, f"sorter: fewer than two Python frames\n{describe(frames)}"
    key_fn, caller = indices[0], indices[1]
    keys = ["file", "line", "function"]
    assert comparable([frames[key_fn], frames[caller]], keys) == \
        comparable(recorded["frames"][:2], keys)
    between = [plain_name(frame.get("function")) for frame in frames[key_fn + 1:caller]]
    assert between, f"sorter: no C frames between key_fn and its caller\n{describe(frames)}"
    if names_static_functions(frontend, interp_id):
        assert any(is_list_sort(name) for name in between), \
            f"sorter: no list sort frame between key_fn and sorter: {between}"


def test_generator_resumed_by_c_sits_above_list_extend(interp_id, frontend, mode, target):
    """Innermost first: ..., Ωmega.générer (a generator frame), C list() frames, `consume`."""
    recorded, thread = merged_thread(xbt_json(frontend, target), target, "generator")
    frames = thread["frames"]
    indices = python_indices(frames)
    assert len(indices) >= 2, f"generator: fewer than two Python frames\n{describe(frames)}"
    generator, caller = indices[0], indices[1]
    keys = ["file", "line", "function"]
    assert comparable([frames[generator], frames[caller]], keys) == \
        comparable(recorded["frames"][:2], keys)
    assert frames[generator]["function"] == "générer"
    between = [plain_name(frame.get("function")) for frame in frames[generator + 1:caller]]
    assert between, f"generator: no C frames between the generator and consume\n{describe(frames)}"
    if names_static_functions(frontend, interp_id):
        assert any("list_extend" in name for name in between), \
            f"generator: no list_extend between the generator and consume: {between}"


def test_python_only_has_no_native_frames(interp_id, frontend, mode, target):
    document = xbt_json(frontend, target, "--python-only")
    for thread in document.get("threads", []):
        assert native_frames(thread) == [], \
            f"tid {thread.get('tid')}: native frames with --python-only\n" \
            f"{describe(native_frames(thread))}"
    assert_python_frames_match(document, target)


@pytest.mark.matrix(frontend="cli", mode="core")
def test_cli_core_finds_executable_from_notes(interp_id, core_target):
    """`pyxray xbt --core CORE` without --exe: the executable comes from the core's notes."""
    completed = run_cli(core_target, ["--json"], with_exe=False)
    document = extract_json(completed, f"pyxray xbt --core (no --exe) {interp_id}")
    assert_python_frames_match(document, core_target)

"""A 100,000-frame Python stack decodes completely in all three front-ends, live and in a core
(CPython 3.11+
runs Python-to-Python calls without C recursion, so stacks.py can recurse that deep). Before
3.11 every Python call also recurses in C, so there the stack is 10,000 frames deep (stacks.py
gives that thread a big C stack)."""

import re
import shutil

import pytest

from support.drivers import xbt_json
from support.frames import comparable, oracle_keys, python_frames, recorded_threads, threads_by_tid
from support.targets import CoreTargets, LiveTargets

DEPTH = 100_000
DEPTH_BEFORE_311 = 10_000


def depth_for(interpreter):
    minor = int(re.search(r"python3\.(\d+)", interpreter.executable.name).group(1))
    return DEPTH if minor >= 11 else DEPTH_BEFORE_311


@pytest.fixture(scope="module")
def deep_targets(tmp_path_factory):
    directory = tmp_path_factory.mktemp("deep")
    targets = {depth: LiveTargets(directory / str(depth), depth=depth) for depth in (DEPTH, DEPTH_BEFORE_311)}
    yield targets
    for live in targets.values():
        live.close()
    shutil.rmtree(directory, ignore_errors=True)  # 11 MB records; pytest keeps three runs


@pytest.fixture(scope="module")
def deep_cores(tmp_path_factory):
    directory = tmp_path_factory.mktemp("deep-cores")
    yield {depth: CoreTargets(directory / str(depth), depth=depth) for depth in (DEPTH, DEPTH_BEFORE_311)}
    shutil.rmtree(directory, ignore_errors=True)


def first_difference(actual, expected):
    """Where two long frame lists part, for a message pytest's diff would take ages over."""
    for index, (got, wanted) in enumerate(zip(actual, expected)):
        if got != wanted:
            return f"frame #{index}: got {got}, expected {wanted}"
    return f"{len(actual)} frames, expected {len(expected)}"


def check_deep_thread(frontend, target, depth):
    recorded = recorded_threads(target.record)["deep"]
    assert len(recorded["frames"]) > depth
    thread = threads_by_tid(xbt_json(frontend, target, "--python-only")).get(recorded["tid"])
    assert thread is not None, f"deep thread (tid {recorded['tid']}) missing"
    keys = oracle_keys(recorded)
    actual = comparable(python_frames(thread), keys)
    expected = comparable(recorded["frames"], keys)
    if actual != expected:  # not assert: pytest's diff of 100,000 frames would take minutes
        pytest.fail(f"deep thread: {first_difference(actual, expected)}; "
                    f"notes: {thread.get('notes')}", pytrace=False)


@pytest.mark.matrix(mode="live-deep")
def test_deep_stack_decodes_completely(interp_id, frontend, interpreter, deep_targets):
    depth = depth_for(interpreter)
    check_deep_thread(frontend, deep_targets[depth].get(interpreter), depth)


@pytest.mark.matrix(mode="core-deep")
def test_deep_stack_decodes_completely_in_a_core(interp_id, frontend, interpreter, deep_cores):
    depth = depth_for(interpreter)
    check_deep_thread(frontend, deep_cores[depth].get(interpreter), depth)

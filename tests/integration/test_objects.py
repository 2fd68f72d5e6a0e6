"""`pyxray repr` against Python's own repr(): stacks.py's "objects" thread holds a local of every
type family the object decoder knows (hold_objects) and records [name, repr, type, id] for each.
Every interpreter of the matrix, live and on a core, through the CLI.
"""

import json

import pytest

from support.drivers import CLI, require, run
from support.frames import recorded_threads

DEFAULT_MAX_STRING = 200  # ReprLimits::max_string


def objects_locals(record):
    """hold_objects' locals: [name, repr, type name, id] each."""
    frames = recorded_threads(record)["objects"]["frames"]
    assert frames and frames[0]["function"] == "hold_objects", frames[:1]
    return frames[0]["locals"]


def repr_command(target, addresses, flags=()):
    require(CLI, "the pyxray CLI")
    if target.kind == "live":
        opening = ["--pid", target.pid]
    else:
        opening = ["--core", target.core, "--exe", target.executable]
    return [CLI, "repr", *opening, *flags, *addresses]


def run_repr(target, addresses, flags=()):
    completed = run(repr_command(target, [str(address) for address in addresses], flags))
    lines = completed.stdout.split("\n")
    assert lines[-1] == "", f"output does not end with a newline: {completed.stdout[-200:]!r}"
    return completed, lines[:-1]


def cut_form(text_repr, max_string):
    """The documented cut of a str repr of plain ASCII text: the first max_string characters,
    quoted, then ...<+N chars>."""
    quote, body = text_repr[0], text_repr[1:-1]
    return f"{quote}{body[:max_string]}{quote}...<+{len(body) - max_string} chars>"


@pytest.mark.matrix(frontend="cli")
def test_repr_equals_python_repr(interp_id, mode, target):
    recorded = objects_locals(target.record)
    completed, lines = run_repr(target, [entry[3] for entry in recorded])
    assert completed.returncode == 0, completed.stderr
    assert len(lines) == len(recorded), completed.stdout
    expected, actual = {}, {}
    for (name, text, _type, _id), line in zip(recorded, lines):
        if name == "long_text":
            text = cut_form(text, DEFAULT_MAX_STRING)
        expected[name] = text
        actual[name] = line
    assert actual == expected


@pytest.mark.matrix(frontend="cli")
def test_long_text_whole_with_raised_max_string(interp_id, mode, target):
    recorded = {entry[0]: entry for entry in objects_locals(target.record)}
    _name, text, _type, address = recorded["long_text"]
    completed, lines = run_repr(target, [address], ["--max-string", "10000"])
    assert completed.returncode == 0, completed.stderr
    assert lines == [text]


@pytest.mark.matrix(frontend="cli")
def test_json_gives_type_names_and_says_which_address_is_no_object(interp_id, mode, target):
    recorded = objects_locals(target.record)[:5]
    not_an_object = 8  # the first page is never mapped
    completed = run(repr_command(target, [str(entry[3]) for entry in recorded] + [str(not_an_object)],
                                 ["--json"]))
    assert completed.returncode == 1, completed.stdout + completed.stderr
    document = json.loads(completed.stdout)
    assert document["pyxray"] == 1
    objects = document["objects"]
    assert [o.get("repr") for o in objects[:-1]] == [entry[1] for entry in recorded]
    assert [o.get("type") for o in objects[:-1]] == [entry[2] for entry in recorded]
    assert objects[-1]["address"] == hex(not_an_object) and objects[-1].get("error"), objects[-1]


# What --verbose adds after each instance's default repr: __slots__ first, then the __dict__
# (a plain dict, 3.11's values, 3.12's dict-or-values word, 3.13+ inline values).
VERBOSE_ATTRIBUTES = {
    "token": "{kind='name', text='x'}",
    "slotted": "{x=1, y='y'}",
    "both": "{a=1, extra='e'}",
}


@pytest.mark.matrix(frontend="cli")
def test_verbose_shows_instance_attributes(interp_id, mode, target):
    recorded = {entry[0]: entry for entry in objects_locals(target.record)}
    names = sorted(VERBOSE_ATTRIBUTES)
    completed, lines = run_repr(target, [recorded[name][3] for name in names], ["--verbose"])
    assert completed.returncode == 0, completed.stderr
    assert dict(zip(names, lines)) == {
        name: f"{recorded[name][1]} {VERBOSE_ATTRIBUTES[name]}" for name in names}

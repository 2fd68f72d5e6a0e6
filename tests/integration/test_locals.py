"""py-xbt --locals through gdb, LLDB and the CLI, live and on cores, against the repr() that
stacks.py recorded of every local of every frame just before its threads blocked.

The `objects` thread's innermost frame (hold_objects) holds a local of every type family pyxray
decodes: there every repr must equal Python's own. In every other frame the variable names and
their order must equal the frame's own f_locals, and so must the reprs of plain scalars (whose
repr depends on nothing pyxray cannot read: other objects may have a __repr__ of their own).
"""

from support.drivers import xbt_json
from support.frames import python_frames, recorded_threads, threads_by_tid

# Default caps: long_text (5,000 characters) is the one local of hold_objects they cut.
LOCALS = ("--locals",)
CUT = "long_text"
SHORT = 100  # a longer str (a module docstring) is cut by the default caps
SCALARS = {"NoneType", "bool", "int", "float", "str", "bytes"}


def locals_of(frame, where):
    assert "locals" in frame, f"{where}: no \"locals\" in the frame; locals_error: " \
                              f"{frame.get('locals_error')}"
    return frame["locals"]


def python_thread(document, recorded):
    thread = threads_by_tid(document).get(recorded["tid"])
    assert thread is not None, f"thread {recorded['name']!r} (tid {recorded['tid']}) missing"
    return python_frames(thread)


def test_every_local_of_hold_objects_reprs_as_python_does(interp_id, frontend, mode, target):
    recorded = recorded_threads(target.record)["objects"]
    frames = python_thread(xbt_json(frontend, target, *LOCALS), recorded)
    assert frames and frames[0].get("function") == "hold_objects", \
        f"objects: innermost Python frame is {frames[:1]}"
    shown = locals_of(frames[0], "hold_objects")
    expected = {name: text for name, text, _type, _id in recorded["frames"][0]["locals"]}
    assert list(shown) == list(expected)
    shown, expected = dict(shown), dict(expected)
    del shown[CUT], expected[CUT]
    mismatches = {name: {"python": text, "pyxray": shown.get(name)}
                  for name, text in expected.items() if shown.get(name) != text}
    assert not mismatches, f"{len(mismatches)} of {len(expected)} locals differ: {mismatches}"


def test_every_frame_has_python_s_variable_names_and_scalar_values(interp_id, frontend, mode, target):
    document = xbt_json(frontend, target, *LOCALS)
    for recorded in target.record["threads"]:
        frames = python_thread(document, recorded)
        assert len(frames) == len(recorded["frames"]), f"{recorded['name']}: frame count differs"
        for index, (frame, expected) in enumerate(zip(frames, recorded["frames"])):
            where = f"{recorded['name']} frame #{index} {expected['function']}"
            shown = locals_of(frame, where)
            assert list(shown) == [name for name, *_ in expected["locals"]], where
            for name, text, type_name, _id in expected["locals"]:
                if type_name in SCALARS and len(text) <= SHORT:
                    assert shown[name] == text, f"{where}: {name}"


def test_default_caps_cut_a_long_string(interp_id, frontend, mode, target):
    """The default cap shows the start of the 5,000-character string and says it was cut."""
    recorded = recorded_threads(target.record)["objects"]
    frames = python_thread(xbt_json(frontend, target, *LOCALS), recorded)
    shown = locals_of(frames[0], "hold_objects")[CUT]
    assert shown.startswith("'" + "x" * 100), shown[:120]
    assert len(shown) < 1000, f"long_text shown with {len(shown)} characters under the default cap"
    assert shown != "'" + "x" * len(shown[1:-1]) + "'", f"the cut is not marked: {shown[-40:]}"


def test_locals_are_absent_unless_asked_for(interp_id, frontend, mode, target):
    document = xbt_json(frontend, target)
    for thread in document.get("threads", []):
        for frame in python_frames(thread):
            assert "locals" not in frame, f"tid {thread.get('tid')}: locals without --locals"

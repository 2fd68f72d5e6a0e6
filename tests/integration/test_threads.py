"""py-threads through gdb, LLDB and the CLI, live and on cores, against fixtures/threads.py's
own record: every thread's name (threading's, the OS's for the thread threading does not know),
who holds the GIL, that the GC is collecting, each state word and innermost Python frame.

Parametrised by conftest.py over interpreter x front-end x live/core. All runs of one
interpreter happen together, on one process and its core (threads_fixture.ThreadsRuns); the
tests then only read the results.
"""

import pytest

from support import interpreters
from support.drivers import FRONTENDS, GDB_WITHOUT_DEBUG_INFO, ToolFailure, extract_json, run_threads
from support.frames import threads_by_tid
from support.threads_fixture import ThreadsRuns


@pytest.fixture(scope="module")
def threads_runs(tmp_path_factory):
    runs = ThreadsRuns(tmp_path_factory.mktemp("threads"), run_threads, extract_json, ToolFailure)
    yield runs
    runs.close()


class Result:
    """One front-end's py-threads output in one mode, and the program's record."""

    def __init__(self, interp_id, frontend, mode, runs):
        # conftest.frontends_for's rule: Debian's 3.11 also runs gdb with debug info hidden.
        frontends = FRONTENDS + ([GDB_WITHOUT_DEBUG_INFO] if interp_id == "debian-3.11" else [])
        self.mode = mode
        self.record, self._document, self._text = runs.get(interpreters.find(interp_id), frontend, mode,
                                                           frontends)

    @property
    def document(self):
        if isinstance(self._document, ToolFailure):
            raise ToolFailure(str(self._document))
        return self._document

    @property
    def text(self):
        if isinstance(self._text, ToolFailure):
            raise ToolFailure(str(self._text))
        return self._text


@pytest.fixture
def threads_target(interp_id, frontend, mode, threads_runs):
    return Result(interp_id, frontend, mode, threads_runs)


def threads_document(frontend, target):
    return target.document


def shown(document, recorded):
    thread = threads_by_tid(document).get(recorded["tid"])
    assert thread is not None, (
        f"thread {recorded['key']!r} (tid {recorded['tid']}) missing; pyxray shows tids "
        f"{sorted(t.get('tid') for t in document.get('threads', []))}")
    return thread


def compare(document, record, field, expected_of):
    """{key: (expected, shown)} for every thread whose value differs."""
    wrong = {}
    for recorded in record["threads"]:
        expected = expected_of(recorded)
        if expected is Ellipsis:
            continue
        value = shown(document, recorded).get(field, "(missing)")
        if value != expected:
            wrong[recorded["key"]] = (expected, value)
    return wrong


def test_names(interp_id, frontend, mode, threads_target):
    """threading's names, non-ASCII ones exactly; the thread threading does not know has the
    OS's name live (when the front-end can read it) and never a threading name."""
    document = threads_document(frontend, threads_target)
    assert compare(document, threads_target.record, "name",
                   lambda r: r["name"] if r["name"] is not None else Ellipsis) == {}
    for recorded in threads_target.record["threads"]:
        thread = shown(document, recorded)
        if recorded["name"] is not None:
            assert thread["name_source"] == "threading", (recorded["key"], thread["name_source"])
            continue
        assert thread["name_source"] != "threading"
        assert thread["name"] in (None, recorded["os_name"]), thread["name"]
        if mode == "live":
            assert (thread["name"], thread["name_source"]) == (recorded["os_name"], "os")


def test_gil_holder(interp_id, frontend, mode, threads_target):
    """Only the spinner holds the GIL; on a free-threaded build nobody does, and each thread
    says why there is no answer."""
    document = threads_document(frontend, threads_target)
    assert compare(document, threads_target.record, "holds_gil", lambda r: r["holds_gil"]) == {}
    if threads_target.record["free_threaded"]:
        for recorded in threads_target.record["threads"]:
            assert "free-threaded" in shown(document, recorded)["holds_gil_reason"]


def test_gc_collecting(interp_id, frontend, mode, threads_target):
    """A collection is running (the collector thread's __del__ sleeps inside it)."""
    document = threads_document(frontend, threads_target)
    assert compare(document, threads_target.record, "gc_collecting", lambda r: r["gc_collecting"]) == {}


def test_states(interp_id, frontend, mode, threads_target):
    """running for the spinner, waiting_for_gil for the waiter (GIL builds), idle for the rest."""
    document = threads_document(frontend, threads_target)
    assert compare(document, threads_target.record, "state",
                   lambda r: r["state"] if r["state"] is not None else Ellipsis) == {}


def test_innermost_python_frame(interp_id, frontend, mode, threads_target):
    document = threads_document(frontend, threads_target)

    def innermost(thread):
        for frame in thread.get("frames", []):
            if frame.get("kind") == "python":
                return frame
        return {}

    wrong = {}
    for recorded in threads_target.record["threads"]:
        frame = innermost(shown(document, recorded))
        expected = recorded["frame"]
        got = (frame.get("function"), frame.get("line") if expected["line"] is not None else None)
        if got != (expected["function"], expected["line"]):
            wrong[recorded["key"]] = ((expected["function"], expected["line"]), got)
    assert wrong == {}


def test_text_lines(interp_id, frontend, mode, threads_target):
    """The plain output: one line per thread, the GIL holder's marked, names as Python has them."""
    text = threads_target.text
    lines = {}
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0].isdigit():
            lines[int(fields[0])] = line
    record = threads_target.record
    missing = [r["key"] for r in record["threads"] if r["tid"] not in lines]
    assert missing == [], f"no line for {missing} in:\n{text[-3000:]}"
    for recorded in record["threads"]:
        line = lines[recorded["tid"]]
        if recorded["name"] is not None:
            assert recorded["name"] in line, line
        if recorded["key"] == "spinner":
            assert " running " in line and (" held " in line) == (not record["free_threaded"]), line

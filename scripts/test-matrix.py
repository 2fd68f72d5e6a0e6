#!/usr/bin/env python3
"""Write the test matrix of a pytest run into docs/versions.md.

Reads the JUnit XML pytest wrote (`--junitxml FILE`; `make integration-test` writes
build/integration-junit.xml) and replaces what lies between the markers
`<!-- test-matrix:begin -->` and `<!-- test-matrix:end -->` in the document with:
  - interpreter x front-end: passed/failed/skipped counts of the tests whose id names an
    interpreter of the matrix (`test_x[pyenv-3.11-stripped-gdb-live]`);
  - test file: the same counts for every test, matrix or not;
  - the failed tests, and the skip reasons with how many tests each skipped.

    scripts/test-matrix.py build/integration-junit.xml [--doc docs/versions.md] [--commit SHA] [--note TEXT]
    scripts/test-matrix.py FILE --print     # the table on stdout, the document untouched

Standard library only; runs on any Python 3.8+.
"""

import argparse
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEGIN = "<!-- test-matrix:begin -->"
END = "<!-- test-matrix:end -->"
OUTCOMES = ("passed", "failed", "skipped")

# A matrix id: the interpreter (tests/integration/support/interpreters.py), then its stripped copy's
# suffix (stripped.py), then the front-end and the mode when the test is parametrised by them.
INTERPRETER = re.compile(r"^(?P<interp>(?:pyenv|debian)-3\.\d+[a-z]*)(?P<stripped>-stripped)?"
                         r"(?:-(?P<rest>.*))?$")
FRONTENDS = ("gdb-nodebuginfo", "gdb", "lldb", "cli")  # longest first: gdb-nodebuginfo is not gdb
SOURCES = ("pyenv", "debian")
MAX_REASONS = 25


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("junit", type=Path, help="the JUnit XML of a pytest run (--junitxml)")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "versions.md",
                        help="the document to update between its markers (default docs/versions.md)")
    parser.add_argument("--commit", help="the commit the run tested (default: HEAD of this clone)")
    parser.add_argument("--note", help="a line saying what the run was (a slice, a machine)")
    parser.add_argument("--print", action="store_true", help="print the tables instead of writing them")
    return parser.parse_args(argv)


def read_cases(path):
    """(suite attributes, [(test file, test id, outcome, skip reason)]) of a JUnit XML file."""
    root = ElementTree.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if not suites:
        raise SystemExit(f"test-matrix: {path}: no <testsuite> (is it pytest's --junitxml output?)")
    cases = []
    for suite in suites:
        for case in suite.iter("testcase"):
            outcome, reason = case_outcome(case)
            cases.append((test_file(case.get("classname", "")), case.get("name", ""), outcome, reason))
    return suites[0].attrib, cases


def case_outcome(case):
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed", None
    skipped = case.find("skipped")
    if skipped is not None:
        message = skipped.get("message", "")
        return "skipped", message[len("Skipped: "):] if message.startswith("Skipped: ") else message
    return "passed", None


def test_file(classname):
    """`tests.integration.test_xbt.TestX` -> `test_xbt.py`."""
    for part in classname.split("."):
        if part.startswith("test_"):
            return part + ".py"
    return classname or "?"


def matrix_cell(name):
    """(interpreter row, front-end) of a test id naming a matrix interpreter, else None."""
    found = re.search(r"\[(.*)\]$", name)
    if not found:
        return None
    match = INTERPRETER.match(found.group(1))
    if not match:
        return None
    row = match["interp"] + (" stripped" if match["stripped"] else "")
    rest = match["rest"] or ""
    frontend = next((name for name in FRONTENDS if rest == name or rest.startswith(name + "-")), "other")
    return row, frontend


def row_order(row):
    """By version, pyenv's before Debian's, each build's stripped copy right after it."""
    interp = row.split(" ")[0]
    source, version = interp.split("-", 1)
    numbers = tuple(int(part) for part in re.findall(r"\d+", version))
    source_rank = SOURCES.index(source) if source in SOURCES else len(SOURCES)
    return numbers, source_rank, version, row.endswith("stripped")


def counts_text(counts):
    return "/".join(str(counts.get(outcome, 0)) for outcome in OUTCOMES) if counts else "-"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(attributes, cases, source_name, commit, note=None):
    matrix = defaultdict(Counter)  # (row, front-end) -> outcome counts
    files = defaultdict(Counter)
    file_rows = defaultdict(set)
    failed, reasons = [], Counter()
    for file, name, outcome, reason in cases:
        files[file][outcome] += 1
        cell = matrix_cell(name)
        if cell:
            matrix[cell][outcome] += 1
            file_rows[file].add(cell[0])
        if outcome == "failed":
            failed.append(f"{file}::{name}")
        if outcome == "skipped":
            reasons[reason or "(no reason given)"] += 1
    totals = Counter(outcome for _, _, outcome, _ in cases)

    lines = [f"Generated by `scripts/test-matrix.py` from `{source_name}`: {len(cases)} tests "
             f"({counts_text(totals)} passed/failed/skipped) in {float(attributes.get('time', 0)):.0f} s, "
             f"run {attributes.get('timestamp', '?')[:19]} on {attributes.get('hostname', '?')}, "
             f"commit {commit}. Cells: passed/failed/skipped.", ""]
    if note:
        lines[1:1] = ["", note]
    rows = sorted({row for row, _ in matrix}, key=row_order)
    frontends = [name for name in ("gdb", "gdb-nodebuginfo", "lldb", "cli", "other")
                 if any(frontend == name for _, frontend in matrix)]
    if rows:
        lines += markdown_table(["interpreter", *frontends],
                                [[row, *(counts_text(matrix.get((row, frontend))) for frontend in frontends)]
                                 for row in rows])
        lines.append("")
    lines += markdown_table(["test file", "passed/failed/skipped", "interpreter builds"],
                            [[f"`{file}`", counts_text(files[file]), str(len(file_rows[file]) or "-")]
                             for file in sorted(files)])
    if failed:
        lines += ["", "Failed:", ""] + [f"- `{name}`" for name in failed]
    if reasons:
        lines += ["", "Skipped, by reason:", ""]
        lines += [f"- {count} x {reason}" for reason, count in reasons.most_common(MAX_REASONS)]
        if len(reasons) > MAX_REASONS:
            lines.append(f"- ... and {len(reasons) - MAX_REASONS} other reasons")
    return "\n".join(lines) + "\n"


def replace_between_markers(text, block, doc):
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"test-matrix: {doc}: no {BEGIN} ... {END} markers to write between")
    return text[:start + len(BEGIN)] + "\n" + block + text[end:]


def head_commit():
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv):
    args = parse_args(argv)
    try:
        attributes, cases = read_cases(args.junit)
    except (OSError, ElementTree.ParseError) as error:
        raise SystemExit(f"test-matrix: cannot read {args.junit}: {error}")
    block = render(attributes, cases, args.junit.name, args.commit or head_commit(), args.note)
    if args.print:
        sys.stdout.write(block)
        return 0
    try:
        text = args.doc.read_text(encoding="utf-8")
    except OSError as error:
        raise SystemExit(f"test-matrix: cannot read {args.doc}: {error}")
    args.doc.write_text(replace_between_markers(text, block, args.doc), encoding="utf-8")
    print(f"test-matrix: wrote {len(cases)} tests' matrix into {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

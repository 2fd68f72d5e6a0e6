"""The sampler's folded output, read as flamegraph.pl reads it."""
import re

FOLDED_LINE = re.compile(r"^(.+) (\d+)$")
HEADER = re.compile(r"^# pyxray sample, mode (.+)$")


def parse_folded(text):
    """{stack tuple (root first): count}. The first line is the header naming the mode; every
    other line must be `frames count`."""
    lines = text.splitlines()
    assert lines and HEADER.match(lines[0]), f"no mode header: {lines[:1]!r}"
    stacks = {}
    for line in lines[1:]:
        found = FOLDED_LINE.match(line)
        assert found, f"not a folded line: {line!r}"
        stacks[tuple(found.group(1).split(";"))] = int(found.group(2))
    return stacks


def folded_mode(text):
    return HEADER.match(text.splitlines()[0]).group(1)

"""py-xbt's and py-threads' command lines: flags only."""
from dataclasses import dataclass

import gdb

_XBT_FLAGS = {
    "-a": "all_threads",
    "--all-threads": "all_threads",
    "--python-only": "python_only",
    "--native-all": "native_all",
    "--json": "json",
}

_THREADS_FLAGS = {
    "--stacks": "stacks",
    "--json": "json",
}

USAGE = "py-xbt [-a|--all-threads] [--python-only] [--native-all] [--json]"
THREADS_USAGE = "py-threads [--stacks] [--json]"


@dataclass(frozen=True)
class XbtArguments:
    all_threads: bool = False
    python_only: bool = False
    native_all: bool = False
    json: bool = False


@dataclass(frozen=True)
class ThreadsArguments:
    stacks: bool = False
    json: bool = False


def _parse_flags(command, flags, argument_string):
    chosen = {}
    for word in gdb.string_to_argv(argument_string):
        field = flags.get(word)
        if field is None:
            raise gdb.GdbError(
                f"{command}: unknown option '{word}'; valid options: {', '.join(flags)}")
        chosen[field] = True
    return chosen


def parse_xbt_arguments(argument_string):
    return XbtArguments(**_parse_flags("py-xbt", _XBT_FLAGS, argument_string))


def parse_threads_arguments(argument_string):
    return ThreadsArguments(**_parse_flags("py-threads", _THREADS_FLAGS, argument_string))

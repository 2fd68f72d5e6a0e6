"""py-xbt's command line."""
from dataclasses import dataclass

import gdb

_FLAGS = {
    "-a": "all_threads",
    "--all-threads": "all_threads",
    "--python-only": "python_only",
    "--native-all": "native_all",
    "--json": "json",
}

USAGE = "py-xbt [-a|--all-threads] [--python-only] [--native-all] [--json]"


@dataclass(frozen=True)
class XbtArguments:
    all_threads: bool = False
    python_only: bool = False
    native_all: bool = False
    json: bool = False


def parse_xbt_arguments(argument_string):
    chosen = {}
    for word in gdb.string_to_argv(argument_string):
        field = _FLAGS.get(word)
        if field is None:
            raise gdb.GdbError(
                f"py-xbt: unknown option '{word}'; valid options: {', '.join(_FLAGS)}")
        chosen[field] = True
    return XbtArguments(**chosen)

"""py-xbt's and py-threads' command lines."""
from dataclasses import dataclass

import gdb

import _pyxray_gdb

_XBT_FLAGS = {
    "-a": "all_threads",
    "--all-threads": "all_threads",
    "--python-only": "python_only",
    "--native-all": "native_all",
    "--locals": "locals",
    "--verbose": "verbose",
    "--json": "json",
}
# py-xbt's options that take a positive number: the caps of --locals' object reprs.
_XBT_NUMBERS = {"--max-string": "max_string", "--max-items": "max_items", "--max-depth": "max_depth"}

_THREADS_FLAGS = {
    "--stacks": "stacks",
    "--json": "json",
}


@dataclass(frozen=True)
class XbtArguments:
    all_threads: bool = False
    python_only: bool = False
    native_all: bool = False
    locals: bool = False
    verbose: bool = False
    json: bool = False
    max_string: int = 200
    max_items: int = 50
    max_depth: int = 6
    color: str = "auto"

    def repr_limits(self):
        """What the core module takes as `locals`: None when --locals was not given."""
        if not self.locals:
            return None
        return (self.max_string, self.max_items, self.max_depth, self.verbose)


@dataclass(frozen=True)
class ThreadsArguments:
    stacks: bool = False
    json: bool = False
    color: str = "auto"


def _positive(command, option, word):
    if word is None or not word.isdigit() or int(word) == 0:
        raise gdb.GdbError(f"{command}: {option} needs a positive number, not {word!r}")
    return int(word)


def _parse(command, flags, numbers, argument_string):
    """Flags, numbers and --color=WHEN (or --color WHEN); the core checks WHEN."""
    chosen = {}
    words = iter(gdb.string_to_argv(argument_string))
    for word in words:
        if word in numbers:
            chosen[numbers[word]] = _positive(command, word, next(words, None))
        elif word.startswith("--color="):
            chosen["color"] = word[len("--color="):]
        elif word == "--color":
            chosen["color"] = next(words, "")
        elif word in flags:
            chosen[flags[word]] = True
        else:
            raise gdb.GdbError(f"{command}: {_pyxray_gdb.unknown_option(command, word)}")
    if "color" in chosen:
        _pyxray_gdb.use_color(chosen["color"], False, False)  # raises for a bad WHEN, now
    return chosen


def parse_xbt_arguments(argument_string):
    return XbtArguments(**_parse("py-xbt", _XBT_FLAGS, _XBT_NUMBERS, argument_string))


def parse_threads_arguments(argument_string):
    return ThreadsArguments(**_parse("py-threads", _THREADS_FLAGS, {}, argument_string))


def gdb_styles():
    """Whether gdb styles its own output: --color=auto follows it (off when gdb's output is no
    terminal)."""
    try:
        return bool(gdb.parameter("style enabled"))
    except (gdb.error, RuntimeError):
        return False


def use_color(arguments):
    return _pyxray_gdb.use_color(arguments.color, gdb_styles(), arguments.json)

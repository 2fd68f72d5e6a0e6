"""py-xbt's and py-threads' command lines."""
from dataclasses import dataclass

import gdb

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

USAGE = ("py-xbt [-a|--all-threads] [--python-only] [--native-all] [--locals [--max-string N] "
         "[--max-items N] [--max-depth N] [--verbose]] [--json]")
THREADS_USAGE = "py-threads [--stacks] [--json]"


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

    def repr_limits(self):
        """What the core module takes as `locals`: None when --locals was not given."""
        if not self.locals:
            return None
        return (self.max_string, self.max_items, self.max_depth, self.verbose)


@dataclass(frozen=True)
class ThreadsArguments:
    stacks: bool = False
    json: bool = False


def _positive(command, usage, option, word):
    if word is None or not word.isdigit() or int(word) == 0:
        raise gdb.GdbError(f"{command}: {option} needs a positive number, not {word!r}; usage: {usage}")
    return int(word)


def _parse(command, usage, flags, numbers, argument_string):
    chosen = {}
    words = iter(gdb.string_to_argv(argument_string))
    for word in words:
        if word in numbers:
            chosen[numbers[word]] = _positive(command, usage, word, next(words, None))
            continue
        field = flags.get(word)
        if field is None:
            raise gdb.GdbError(
                f"{command}: unknown option '{word}'; valid options: "
                f"{', '.join([*flags, *numbers])}")
        chosen[field] = True
    return chosen


def parse_xbt_arguments(argument_string):
    return XbtArguments(**_parse("py-xbt", USAGE, _XBT_FLAGS, _XBT_NUMBERS, argument_string))


def parse_threads_arguments(argument_string):
    return ThreadsArguments(**_parse("py-threads", THREADS_USAGE, _THREADS_FLAGS, {},
                                     argument_string))

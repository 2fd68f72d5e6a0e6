"""py-xbt's command line."""
from dataclasses import dataclass

import gdb

_FLAGS = {
    "-a": "all_threads",
    "--all-threads": "all_threads",
    "--python-only": "python_only",
    "--native-all": "native_all",
    "--locals": "locals",
    "--verbose": "verbose",
    "--json": "json",
}
# Options that take a positive number: the caps of --locals' object reprs.
_NUMBERS = {"--max-string": "max_string", "--max-items": "max_items", "--max-depth": "max_depth"}

USAGE = ("py-xbt [-a|--all-threads] [--python-only] [--native-all] [--locals [--max-string N] "
         "[--max-items N] [--max-depth N] [--verbose]] [--json]")


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


def _positive(option, word):
    if word is None or not word.isdigit() or int(word) == 0:
        raise gdb.GdbError(f"py-xbt: {option} needs a positive number, not {word!r}; usage: {USAGE}")
    return int(word)


def parse_xbt_arguments(argument_string):
    chosen = {}
    words = iter(gdb.string_to_argv(argument_string))
    for word in words:
        if word in _NUMBERS:
            chosen[_NUMBERS[word]] = _positive(word, next(words, None))
            continue
        field = _FLAGS.get(word)
        if field is None:
            raise gdb.GdbError(
                f"py-xbt: unknown option '{word}'; valid options: "
                f"{', '.join([*_FLAGS, *_NUMBERS])}")
        chosen[field] = True
    return XbtArguments(**chosen)

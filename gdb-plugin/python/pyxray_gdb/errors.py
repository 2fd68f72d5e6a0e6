"""The error every helper raises without knowing which command it serves: the command that
runs it (command.PyxrayCommand) puts its own name in front."""


class CommandError(Exception):
    """A one-line failure of the running command; its text carries no command name."""

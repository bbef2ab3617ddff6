"""The command line, `python -m lib COMMAND`: parsers, commands and exit codes."""

from lib.cli.commands import main

__all__ = ["main"]

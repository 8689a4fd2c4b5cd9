"""The ``successbot`` command line: ``main(argv, clock)`` is the console script."""

from successbot.cli.main import main

__all__ = ["main"]

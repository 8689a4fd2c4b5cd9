"""Why the bot cannot start: an error of its own, in a module the command line can import for nothing else."""

from __future__ import annotations


class StartupError(Exception):
    """The bot cannot start; the message says why in one line."""

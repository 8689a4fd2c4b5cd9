"""The log on stderr: how much of it (``[log] level``, ``--log-level``), its format, and no secret in it.

Until a command has read its config it logs warnings and errors only, or
what ``--log-level`` says. ``run`` and the console then take ``[log] level``
unless ``--log-level`` was given; the other commands print what they were
asked for and keep to warnings and errors unless told otherwise.
"""

from __future__ import annotations

import logging
import sys
import time

from successbot.config import Config

PLAIN = "successbot: %(levelname)s: %(message)s"
TIMED = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # the bot's log: when, and which part said it


class UtcFormatter(logging.Formatter):
    """The time at the start of a timed line in UTC and ISO 8601 (``2026-12-01T12:23:40.123Z``), as the
    bot's other times are UTC: ``asctime`` would be the host's local time, with no zone to say so."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


def level_number(name: str) -> int:
    return logging.getLevelNamesMapping()[name.upper()]


STDERR_HANDLER = "successbot-stderr"  # the name of the root logger's handler that start_logging adds


def start_logging(option: str | None) -> None:
    """Before the config is read: to stderr, at ``--log-level`` if given, else warnings and errors only.

    Not ``logging.basicConfig``: it does nothing once the root logger has a handler, so a second
    ``main()`` in one process (the tests, a program embedding the CLI) kept the first call's level
    and wrote to the first call's ``sys.stderr``. Each call replaces the handler of the call before.
    """
    root = logging.getLogger()
    for previous in [handler for handler in root.handlers if handler.get_name() == STDERR_HANDLER]:
        root.removeHandler(previous)
        previous.close()
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(STDERR_HANDLER)
    handler.setFormatter(logging.Formatter(PLAIN))
    root.addHandler(handler)
    use_level(option or "warning")


def bot_level(option: str | None, config: Config) -> str:
    """The level of ``run`` and the console: ``--log-level``, else ``[log] level``."""
    return option or config.log.level


def use_level(name: str, *, timed: bool = False) -> None:
    """Log at ``name`` from now on; ``timed``: each line starts with the time and the logger's name."""
    root = logging.getLogger()
    root.setLevel(level_number(name))
    # Alembic logs each migration step at INFO; our own line says once that the schema is upgraded.
    logging.getLogger("alembic").setLevel(logging.NOTSET if name == "debug" else logging.WARNING)
    for handler in root.handlers:
        if handler.get_name() != STDERR_HANDLER:
            continue  # another's handler (an embedding program's, pytest's): not ours to format
        if timed:
            handler.setFormatter(UtcFormatter(TIMED))
        if name == "debug":
            _redact_on(handler)


def _redact_on(handler: logging.Handler) -> None:
    """Blank passwords in whatever reaches ``handler``, whichever logger it came from.

    At DEBUG the irc library and the connection log every line to and from the
    server; the connection filters its library's loggers, and this filter on
    the handler covers any other logger (a filter on a logger misses records
    that its children pass up). Its module needs no irc library, which
    ``run`` loads only once its connection is opened.
    """
    from successbot.adapters.irc.redaction import SecretRedactor

    if not any(isinstance(existing, SecretRedactor) for existing in handler.filters):
        handler.addFilter(SecretRedactor())

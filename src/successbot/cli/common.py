"""What every subcommand shares: its errors, the config and the app it opens, its output."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from successbot.config import Config, config_path_from, load_config
from successbot.core.clock import Clock, parse_instant

if TYPE_CHECKING:
    # Imported where used: ``successbot run`` reads its config and opens its connection before loading them.
    from successbot.adapters.console import Speaker
    from successbot.runtime.app import App


class UsageError(Exception):
    """A command line that cannot be carried out; the message says why."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 1."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def load(args: argparse.Namespace, secrets_needed: bool = False) -> Config:
    """The config; only commands that log in somewhere insist that its secrets can be read."""
    return load_config(config_path_from(getattr(args, "config", None)), secrets_needed=secrets_needed)


def open_from(args: argparse.Namespace) -> App:
    from successbot.runtime.app import open_app

    return open_app(load(args))


def open_telling(args: argparse.Namespace, config: Config | None = None) -> tuple[App, str | None]:
    """``open_app``, and the line to print on stderr once the command succeeded when the database
    was just created or holds nothing (else None).

    Run without ``--config`` in the wrong directory, ``export``, ``publish`` and
    ``announcements`` would otherwise create ``successbot.db`` there and print
    nothing, as if the community had no successes. Printed after the work, so
    that an error stays the only line.
    """
    from successbot.runtime.app import open_app

    config = config or load(args)
    file = sqlite_file(config.database.url)
    created = file is not None and not file.exists()
    app = open_app(config)
    try:
        empty = created or (not app.successes.latest(1, kind=None) and not app.schedule.store.sources())
    except Exception:  # a database that cannot be read fails where it is used, with its own message
        empty = False
    if not empty:
        return app, None
    where = str(file.resolve()) if file is not None else app.engine.url.render_as_string(hide_password=True)
    state = "just created, so empty" if created else "empty (no successes, no schedule)"
    given = config_path_from(getattr(args, "config", None)) is not None
    hint = "" if given else "; no config file given (--config FILE or $SUCCESSBOT_CONFIG)"
    return app, f"successbot {args.command}: used the database {where}: {state}{hint}"


def current_schedule(app: App, clock: Clock, command: str) -> None:
    """Read the configured sources first, as the bot and ``ask`` do; with none, say what the listing shows."""
    if app.schedule is None:
        return
    if app.schedule.locations:
        app.refresh_schedule(clock.now())
        return
    from successbot.core.dates import moment

    stored = app.schedule.store.sources()
    if stored:
        last = max((state.loaded_at for state in stored if state.loaded_at), default=None)
        when = f", last imported {moment(last)}" if last else ""
        events = sum(state.event_count for state in stored)
        tell(f"successbot {command}: no [schedule] sources configured: showing the {events} events stored{when}")


def tell(note: str | None) -> None:
    if note is not None:
        print(note, file=sys.stderr)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def window_start(given: str | None, option: str, days: int, clock: Clock) -> datetime:
    """Where a listing of ``days`` days starts: the ISO time given with ``option``, else now."""
    try:
        start = parse_instant(given) if given else clock.now()
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None
    if days < 1:
        raise UsageError(f"--days: expected a number of days of at least 1, found {days}")
    return start


def speaker(args: argparse.Namespace, config: Config) -> Speaker:
    from successbot.adapters.console import Speaker

    nick = args.nick or _login_name()
    channel = args.channel or config.bot.console_channel
    if not channel.startswith(("#", "&")):
        raise UsageError(f"--channel: expected a channel name such as #dev, found {channel!r}")
    return Speaker(nick=nick, channel=channel, account=args.account or None)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers: any nick will do
        return "you"


def write_output(target: str, document: str) -> None:
    if target == "-":
        sys.stdout.write(document)
        return
    temporary = f"{target}.tmp-{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(document)
        os.replace(temporary, target)  # readers never see half a file
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror}") from None

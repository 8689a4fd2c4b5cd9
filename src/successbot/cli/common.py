"""What every subcommand shares: its errors, the config and the app it opens, its output."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from typing import NoReturn

from successbot.adapters.console import Speaker
from successbot.config import Config, config_path_from, load_config
from successbot.core.clock import Clock, parse_instant
from successbot.runtime.app import App, open_app


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
    return open_app(load(args))


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

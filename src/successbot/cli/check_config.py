"""``successbot check-config``: beyond the file's own problems, what a deployment would trip over.

The file can parse and still not work: a schedule source that is not there,
an announcement channel the bot never joins (it cannot post where it is
not), an export directory the bot cannot write. These are checked here only,
not at every start, because they depend on the machine (and the user) that
checks: the working directory for relative paths, the current user's rights.
"""

from __future__ import annotations

import os
from pathlib import Path

from successbot.config import Config, ConfigProblem, problem_in_file
from successbot.schedules.locations import is_url

ANNOUNCE_KEYS = ("channels", "summary_channels", "election_channels", "release_channels")


def deployment_problems(config: Config) -> list[ConfigProblem]:
    return [*_missing_sources(config), *_channels_never_joined(config), *_export_directory(config)]


def _missing_sources(config: Config) -> list[ConfigProblem]:
    problems = []
    for location in config.schedule.sources:
        if is_url(location):
            continue  # not fetched here: a check should not depend on the network
        path = Path(location).expanduser()
        if path.is_file():
            continue
        found = "it is a directory" if path.is_dir() else "no such file"
        where = f" (relative paths are read from the working directory, {Path.cwd()})" if not path.is_absolute() else ""
        message = f"expected a readable file, found {location!r}: {found}{where}"
        problems.append(problem_in_file(config, "schedule", "sources", message))
    return problems


def _channels_never_joined(config: Config) -> list[ConfigProblem]:
    if not config.irc.server:
        return []  # the console posts in its own channel
    joined = {channel.name.lower() for channel in config.irc.channels}
    problems = []
    for key in ANNOUNCE_KEYS:
        channels = getattr(config.announce, key) or ()
        missing = [channel for channel in channels if channel.lower() not in joined]
        if missing:
            message = f"the bot never joins {', '.join(missing)} (not in [irc] channels), so it cannot post there"
            problems.append(problem_in_file(config, "announce", key, message))
    return problems


def _export_directory(config: Config) -> list[ConfigProblem]:
    directory = config.export.directory
    if directory is None:
        return []
    path = Path(directory).expanduser()
    if not path.exists():
        found = "it does not exist (create it, writable by the bot's user)"
    elif not path.is_dir():
        found = "it is not a directory"
    elif not os.access(path, os.W_OK | os.X_OK):
        found = f"it cannot be written by this user (uid {os.geteuid()})"
    else:
        return []
    message = f"expected a directory the bot can write, found {directory!r}: {found}"
    return [problem_in_file(config, "export", "directory", message)]

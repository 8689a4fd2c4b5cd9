"""The configuration file: its keys declared once, read with configparser, checked whole.

Every key is declared once, as a field of its section's frozen settings
dataclass: ``nick: Annotated[str, key(parse_nick, "successbot", "the bot's nick")]``
gives its type, its parser, its default (as text) and its help. ``Config``'s
fields name the sections, in the file's order. From that one declaration come
parsing, the defaults, ``SCHEMA`` (section -> keys), the settings objects and
config.example.ini (``example_config()``; a test keeps the file equal to it).

Loading collects every problem as a ``ConfigProblem`` (file, line, section,
key, what was expected, what was found) instead of stopping at the first, so
``successbot check-config`` can list them all. Secrets may be given inline, as
``KEY_env = VARNAME`` or as ``KEY_file = PATH``, and are held in ``Secret``,
which never shows its value in a repr or a log line.
"""

from __future__ import annotations

import configparser
import os
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import time as dt_time
from pathlib import Path
from typing import Annotated, Any, get_type_hints
from urllib.parse import urlsplit, urlunsplit

# Imported here, not deferred: there is no cycle (neither module imports this one), and
# deferring saved no start-up time, since every load_config() parses [announce] weekly_summary.
from successbot.announcements.weekly_time import WeeklyTime, parse_weekly_time
from successbot.publishing.log_links import PLACEHOLDERS, LogUrlTemplate

ENV_VAR = "SUCCESSBOT_CONFIG"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` says every reason."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class ConfigProblem:
    source: str
    message: str
    section: str | None = None
    key: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        if self.section is not None and self.key is not None:
            where += f": [{self.section}] {self.key}"
        elif self.section is not None:
            where += f": [{self.section}]"
        return f"{where}: {self.message}"


class Secret:
    """A value that must never reach a log: its repr and str hide it."""

    def __init__(self, value: str | None, origin: str, unavailable: str = "") -> None:
        self._value = value
        self.origin = origin
        self.unavailable = unavailable

    def reveal(self) -> str:
        if self._value is None:
            raise ConfigError([ConfigProblem(self.origin, self.unavailable)])
        return self._value

    def __repr__(self) -> str:
        return f"Secret(<hidden, from {self.origin}>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


# --- value parsers: each takes the raw text and raises ValueError("expected …") ---


def parse_text(raw: str) -> str:
    return raw.strip()


def parse_nonempty(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise ValueError("expected a non-empty value")
    return value


_BOOLEANS = {
    "true": True,
    "yes": True,
    "on": True,
    "1": True,
    "false": False,
    "no": False,
    "off": False,
    "0": False,
}


def parse_bool(raw: str) -> bool:
    try:
        return _BOOLEANS[raw.strip().lower()]
    except KeyError:
        raise ValueError("expected true or false (also yes/no, on/off, 1/0)") from None


def parse_positive_int(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError("expected a whole number") from None
    if value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(|b|bytes?|kb|mb|gb)")
_SIZE_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000}


def parse_size(raw: str) -> int:
    """``5MB``, ``512 kB``, ``700`` (bytes) → bytes."""
    found = _SIZE.fullmatch(raw.strip().lower())
    if found is None:
        raise ValueError("expected a size such as 5MB, 512kB or 700 (bytes)")
    size = int(float(found.group(1)) * _SIZE_UNITS[found.group(2)])
    if size < 1:
        raise ValueError("expected a size of at least 1 byte")
    return size


def parse_positive_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number") from None
    if not value > 0:
        raise ValueError("expected a number above 0")
    return value


def parse_list(raw: str) -> tuple[str, ...]:
    """Comma- or whitespace-separated words."""
    return tuple(word for word in re.split(r"[,\s]+", raw.strip()) if word)


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(raw: str) -> float:
    """``90``, ``30s``, ``5m``, ``6h``, ``2d``, ``1h30m`` → seconds."""
    text = raw.strip().lower().replace(" ", "")
    parts = list(_DURATION_PART.finditer(text))
    if not text or "".join(part.group(0) for part in parts) != text:
        raise ValueError("expected a duration such as 30s, 5m, 6h or 2d")
    seconds = float(sum(float(part.group(1)) * _DURATION_UNITS[part.group(2)] for part in parts))
    if seconds <= 0:
        raise ValueError("expected a duration longer than zero")
    return seconds


def parse_port(raw: str) -> int | None:
    """Empty means the default for the connection (6697 with TLS, else 6667)."""
    if not raw.strip():
        return None
    try:
        port = int(raw.strip())
    except ValueError:
        raise ValueError("expected a port number from 1 to 65535") from None
    if not 0 < port < 65536:
        raise ValueError("expected a port number from 1 to 65535")
    return port


def parse_tls(raw: str) -> bool | None:
    """``auto`` (None): TLS exactly when the port is 6697."""
    if raw.strip().lower() == "auto":
        return None
    try:
        return parse_bool(raw)
    except ValueError:
        raise ValueError("expected auto, true or false") from None


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def parse_nick_list(raw: str) -> tuple[str, ...]:
    return tuple(parse_nick(word) for word in parse_list(raw))


@dataclass(frozen=True)
class ChannelSetting:
    name: str
    key: str | None = None


def parse_channels(raw: str) -> tuple[ChannelSetting, ...]:
    """``#a, #b key`` → channels with optional keys, comma-separated."""
    channels = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        name, _, key = item.partition(" ")
        channels.append(ChannelSetting(parse_channel(name), key.strip() or None))
    return tuple(channels)


def parse_durations(raw: str) -> tuple[float, ...]:
    """``2d, 4h`` → seconds each; empty: none."""
    return tuple(parse_duration(part) for part in raw.split(",") if part.strip())


def parse_time_of_day(raw: str) -> dt_time:
    try:
        hours, minutes = (int(part) for part in raw.strip().split(":"))
        return dt_time(hours, minutes)
    except ValueError:
        raise ValueError("expected a UTC time of day such as 09:00") from None


def parse_channel_choice(raw: str) -> tuple[str, ...] | None:
    """Empty: None (the default channels); ``off``: no channel; else channel names."""
    value = raw.strip()
    if not value:
        return None
    if value.lower() == "off":
        return ()
    return tuple(parse_channel(word) for word in parse_list(value))


# IRC nicks: RFC 2812 letters, digits and specials; first character not a digit or '-'.
_NICK = re.compile(r"[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]*")


def parse_nick(raw: str) -> str:
    value = raw.strip()
    if not _NICK.fullmatch(value):
        raise ValueError("expected an IRC nick (letters, digits, []\\`_^{|}-, not starting with a digit)")
    return value


def parse_channel_list(raw: str) -> tuple[str, ...]:
    """``#a, #b`` → channel names; empty: none."""
    return tuple(parse_channel(word) for word in parse_list(raw))


_CHANNEL = re.compile(r"[#&+!][^\s,\x07]{1,63}")


def parse_channel(raw: str) -> str:
    value = raw.strip()
    if not _CHANNEL.fullmatch(value):
        raise ValueError("expected a channel name such as #openstack-dev")
    return value


def parse_prefix(raw: str) -> str:
    value = raw.strip()
    if len(value) != 1 or value.isalnum() or value.isspace() or value == "#":
        raise ValueError("expected one punctuation character such as ! or . (not #)")
    return value


# A SQLite file (or memory): the driver is the standard library's, so the URL needs no SQLAlchemy to check,
# and ``successbot run`` opens its IRC connection before it imports SQLAlchemy, a quarter of a second later.
_SQLITE_URL = re.compile(r"sqlite(\+pysqlite)?://(/[^?]*)?(\?[^#]*)?")


def parse_database_url(raw: str) -> str:
    """A SQLAlchemy URL whose dialect and driver are installed."""
    value = raw.strip()
    if _SQLITE_URL.fullmatch(value):
        return value
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(
            "expected a SQLAlchemy database URL such as sqlite:///successbot.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise ValueError(f"expected a database SQLAlchemy knows; {url.drivername!r} is not one") from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        raise ValueError(
            f"expected an installed database driver; {url.drivername!r} needs "
            f"a Python module that is missing ({error.name or error})"
        ) from None
    return value


def parse_optional_path(raw: str) -> str | None:
    return raw.strip() or None


def parse_site_url(raw: str) -> str | None:
    """Where the published pages are served; normalised to end with ``/``."""
    value = raw.strip()
    if not value:
        return None
    url = urlsplit(value)
    if url.scheme not in ("http", "https") or not url.netloc or any(char.isspace() for char in value):
        raise ValueError("expected an http:// or https:// URL such as https://successes.example.org/")
    if url.query or url.fragment:
        raise ValueError("expected the URL of a directory, without ?query or #fragment")
    return value if value.endswith("/") else value + "/"


def parse_log_url(raw: str) -> LogUrlTemplate | None:
    return LogUrlTemplate.parse(raw) if raw.strip() else None


# --- the declaration: each section is a settings dataclass, each key one of its fields ---

SECRET_SUFFIXES = ("_env", "_file")


@dataclass(frozen=True)
class Key:
    """One key of a section as the file sees it, made from its field's ``key()`` declaration."""

    name: str
    parse: Callable[[str], Any]
    default: str
    help: str
    secret: bool = False
    # Its value may hold a credential (a database URL's password): it may be given as
    # NAME_env or NAME_file like a secret, and a problem shows it with the password masked.
    sensitive: bool = False

    @property
    def indirect_forms(self) -> tuple[str, ...]:
        return tuple(self.name + suffix for suffix in SECRET_SUFFIXES) if self.secret or self.sensitive else ()


@dataclass(frozen=True)
class KeySpec:
    """What ``key()`` declares; the field's name completes it into a ``Key``."""

    parse: Callable[[str], Any]
    default: str
    help: str
    secret: bool = False
    sensitive: bool = False


def key(
    parse: Callable[[str], Any], default: str, help: str, *, secret: bool = False, sensitive: bool = False
) -> KeySpec:
    """Declare a settings field as a key: ``nick: Annotated[str, key(parse_nick, "successbot", "the nick")]``.

    ``default`` is text, read by ``parse`` like a value from the file; ``help``
    is the comment above the key in config.example.ini. A secret may also be
    given as ``NAME_env`` or ``NAME_file``; it is held in a ``Secret``, has no
    default, and ``parse`` is not used for it. A ``sensitive`` key may be given
    the same three ways but is parsed as usual; its value is masked in problems.
    """
    if secret and default:
        raise ValueError("a secret key has no default")
    return KeySpec(parse, default, help, secret, sensitive)


class Section:
    """A ``[section]`` of the file. Subclasses are frozen dataclasses whose every field is
    ``Annotated[type, key(...)]``; the section's name in the file is its field's name on ``Config``.
    """

    def check(self) -> list[tuple[str, str]]:
        """Problems that need more than one key of the section, as (key, message) pairs.

        Run once every key of the file up to this section has parsed.
        """
        return []


def section_keys(section: type[Section]) -> tuple[Key, ...]:
    """The section's keys in field order, from the fields' ``key()`` declarations."""
    hints = get_type_hints(section, include_extras=True)
    keys = []
    for item in fields(section):  # type: ignore[arg-type]  # every Section subclass is a dataclass
        specs = [spec for spec in getattr(hints[item.name], "__metadata__", ()) if isinstance(spec, KeySpec)]
        if len(specs) != 1:
            raise TypeError(f"{section.__name__}.{item.name}: expected Annotated[type, key(parse, default, help)]")
        (spec,) = specs
        keys.append(Key(item.name, spec.parse, spec.default, spec.help, spec.secret, spec.sensitive))
    return tuple(keys)


@dataclass(frozen=True)
class BotSettings(Section):
    nick: Annotated[str, key(parse_nick, "successbot", "the bot's nick, also the name its replies show in the console")]
    command_prefix: Annotated[
        str, key(parse_prefix, "!", "the character that starts a command, as in !help (#success needs none)")
    ]
    console_channel: Annotated[str, key(parse_channel, "#successbot", "the channel the console pretends to be in")]


@dataclass(frozen=True)
class DatabaseSettings(Section):
    url: Annotated[
        str,
        key(
            parse_database_url,
            "sqlite:///successbot.db",
            "any SQLAlchemy URL, such as postgresql+psycopg://user@host/dbname; "
            "a relative SQLite path is taken from the working directory. A URL with a password is better "
            "given as url_env = VARNAME or url_file = PATH",
            sensitive=True,
        ),
    ]
    auto_upgrade: Annotated[
        bool,
        key(
            parse_bool, "true", "bring the database schema up to date when the bot starts (else: successbot db upgrade)"
        ),
    ]
    busy_timeout: Annotated[
        float,  # seconds
        key(
            parse_duration,
            "5s",
            "SQLite: how long a write waits while another writer holds the lock, then the bot says it could not",
        ),
    ]


@dataclass(frozen=True)
class PermissionSettings(Section):
    admins: Annotated[
        tuple[str, ...],
        key(parse_list, "", "services accounts (not nicks) allowed to run admin commands, comma-separated"),
    ]
    require_account_for_success: Annotated[
        bool,
        key(
            parse_bool,
            "false",
            "record #success only from someone logged in to services; others get a polite one-line refusal "
            "instead of a success under a nick anyone can take",
        ),
    ]


@dataclass(frozen=True)
class IrcSettings(Section):
    server: Annotated[
        str, key(parse_text, "", "host name of the IRC server; empty: `successbot run` starts the console instead")
    ]
    port: Annotated[int | None, key(parse_port, "", "port; empty: 6697 with TLS, else 6667")]
    tls: Annotated[bool | None, key(parse_tls, "auto", "auto (TLS exactly on port 6697), true or false")]
    tls_verify: Annotated[
        bool, key(parse_bool, "true", "check the server's certificate and host name (false only for a test server)")
    ]
    server_password: Annotated[
        Secret | None, key(parse_text, "", "the server's connection password (PASS), if it has one", secret=True)
    ]
    alt_nicks: Annotated[
        tuple[str, ...],
        key(parse_nick_list, "", "nicks to use while [bot] nick is taken; empty: the nick with _ (then __) added"),
    ]
    username: Annotated[
        str, key(parse_nick, "successbot", "the user part of user@host when the server does no ident lookup")
    ]
    realname: Annotated[str, key(parse_nonempty, "successbot", "the real name field")]
    channels: Annotated[
        tuple[ChannelSetting, ...],
        key(
            parse_channels,
            "",
            "channels to join, comma-separated; a key follows its channel: #openstack-dev, #private s3cret",
        ),
    ]
    auth: Annotated[
        str,
        key(
            choice("sasl", "nickserv", "none"),
            "none",
            "how to log in to services: sasl (falls back to NickServ IDENTIFY without SASL), nickserv or none",
        ),
    ]
    account: Annotated[str, key(parse_text, "", "the services account to log in to; empty: [bot] nick")]
    password: Annotated[
        Secret | None,
        key(parse_text, "", "the services account's password, needed by auth = sasl or nickserv", secret=True),
    ]
    require_login: Annotated[
        bool,
        key(
            parse_bool,
            "false",
            "true: join no channel before the login to services succeeded; false: join after login_wait without "
            "it (one WARNING) and keep trying to log in",
        ),
    ]
    login_wait: Annotated[
        float,
        key(
            parse_duration,
            "15s",
            "how long services may take to answer a login (SASL or NickServ) before the bot goes on without it "
            "and tries again later",
        ),
    ]
    network: Annotated[
        str, key(parse_text, "", "network name stored with each success; empty: what the server calls its network")
    ]
    ping_interval: Annotated[
        float, key(parse_duration, "60s", "after this long without a line from the server, PING it")
    ]
    ping_timeout: Annotated[float, key(parse_duration, "30s", "no answer to that PING in this long: reconnect")]
    reconnect_max: Annotated[
        float, key(parse_duration, "5m", "the longest wait between reconnection attempts (they start at half a second)")
    ]
    rejoin_delay: Annotated[float, key(parse_duration, "10s", "wait this long before rejoining a channel after a kick")]
    flood_burst: Annotated[int, key(parse_positive_int, "4", "lines the bot may send at once before pacing itself")]
    flood_rate: Annotated[
        float,
        key(
            parse_positive_float,
            "0.9",
            "lines per second after the burst (InspIRCd and ngIRCd by default allow about 1)",
        ),
    ]
    max_reply_lines: Annotated[
        int, key(parse_positive_int, "3", "a long reply is split into at most this many lines, the last marked as cut")
    ]
    quit_message: Annotated[str, key(parse_text, "successbot signing off", "the QUIT message on shutdown")]

    @property
    def uses_tls(self) -> bool:
        return self.tls if self.tls is not None else self.port == 6697

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 6697 if self.uses_tls else 6667

    def check(self) -> list[tuple[str, str]]:
        if self.auth in ("sasl", "nickserv") and self.password is None:
            return [("auth", f"expected a password (password, password_env or password_file) for auth = {self.auth}")]
        return []


@dataclass(frozen=True)
class ScheduleSettings(Section):
    sources: Annotated[
        tuple[str, ...],
        key(
            parse_list,
            "",
            "schedule files or http(s) URLs, comma-separated; relative paths from the working directory "
            "(openstack/releases schedule.yaml or schedule.rst, openstack/election configuration.yaml "
            "or events.yaml, series_status.yaml, .ics, or successbot's own YAML: see README)",
        ),
    ]
    refresh: Annotated[
        float,  # seconds
        key(
            parse_duration,
            "6h",
            "how often the sources are read again, e.g. 6h, 30m, 1d (an admin's !schedule reload does it at once)",
        ),
    ]
    max_source_bytes: Annotated[
        int,
        key(
            parse_size,
            "5MB",
            "a source larger than this is refused before it is parsed (and a URL not read further), e.g. 5MB, 512kB",
        ),
    ]


@dataclass(frozen=True)
class AnnounceSettings(Section):
    channels: Annotated[
        tuple[str, ...] | None,
        key(
            parse_channel_choice,
            "",
            "where announcements go, comma-separated; empty: every [irc] channel (in the console, its channel)",
        ),
    ]
    summary_channels: Annotated[
        tuple[str, ...] | None,
        key(parse_channel_choice, "", "channels for the weekly summary; empty: as channels; off: none"),
    ]
    election_channels: Annotated[
        tuple[str, ...] | None,
        key(parse_channel_choice, "", "channels for election reminders; empty: as channels; off: none"),
    ]
    release_channels: Annotated[
        tuple[str, ...] | None,
        key(parse_channel_choice, "", "channels for release reminders; empty: as channels; off: none"),
    ]
    weekly_summary: Annotated[
        WeeklyTime | None,
        key(
            parse_weekly_time,
            "fri 15:00",
            "when the weekly summary of this ISO week's successes is posted, a weekday and a UTC time, or off",
        ),
    ]
    election_offsets: Annotated[
        tuple[float, ...],  # seconds
        key(
            parse_durations,
            "2d, 4h",
            "remind this long before an election phase closes (one reminder each); "
            "each phase's opening is announced too",
        ),
    ]
    release_offsets: Annotated[
        tuple[float, ...],  # seconds
        key(parse_durations, "1d", "remind this long before a milestone or freeze"),
    ]
    release_week_time: Annotated[
        dt_time,
        key(
            parse_time_of_day,
            "09:00",
            "release posts go out at this UTC time: the list on the Monday of a cycle week that holds "
            "cross-project deadlines, and reminders a whole number of days before a day-long deadline",
        ),
    ]
    notice: Annotated[bool, key(parse_bool, "false", "send announcements as NOTICE instead of PRIVMSG")]
    max_per_day: Annotated[
        int,
        key(
            parse_positive_int,
            "4",
            "at most this many announcements per channel per UTC day; the earliest go, the rest are left out",
        ),
    ]
    grace: Annotated[
        float,
        key(
            parse_duration,
            "1h",
            "on start, post what was missed while down if it is younger than this; older ones are skipped and logged",
        ),
    ]
    summary_latest: Annotated[
        int, key(parse_positive_int, "3", "how many of the latest successes the weekly summary quotes")
    ]
    check_every: Annotated[float, key(parse_duration, "30s", "how often the bot looks for announcements that are due")]
    stale_claim: Annotated[
        float,
        key(
            parse_duration,
            "5m",
            "an announcement claimed but not marked sent after this long (its sender died) is taken over",
        ),
    ]


@dataclass(frozen=True)
class ExportSettings(Section):
    directory: Annotated[
        str | None,
        key(
            parse_optional_path,
            "",
            "where the bot keeps the published pages up to date (index.html, one page per ISO week in HTML, "
            "Markdown and JSON, feed.atom); empty: publish nothing. A relative path is taken from the working "
            "directory. `successbot publish` rewrites them all from the database.",
        ),
    ]
    url: Annotated[
        str | None,
        key(
            parse_site_url,
            "",
            "the URL that serves that directory (http:// or https://), for links in replies "
            '("Added success #12 to https://…/2016-W11.html") and in the feed; empty: none',
        ),
    ]
    log_url: Annotated[
        LogUrlTemplate | None,
        key(
            parse_log_url,
            "",
            "template of a link to a channel's log of a day, used by every export format; empty: none. "
            "Placeholders: " + "; ".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items()) + ". "
            "For example https://logs.example.org/{channel}/{channel}.{date}.log.html",
        ),
    ]
    title: Annotated[
        str,
        key(
            parse_nonempty,
            "SuccessBot Says",
            "the published pages' title, shown once at the top of index.html and in every week page's and "
            "the feed's title: your community's name, e.g. OpenStack successes",
        ),
    ]
    intro: Annotated[
        str,
        key(
            parse_text,
            "What went well, as contributors said it on IRC with #success.",
            "one line under the title of index.html that tells a reader what the page is; empty: none",
        ),
    ]
    weeks_on_index: Annotated[int, key(parse_positive_int, "8", "how many recent weeks index.html shows in full")]
    show_account: Annotated[
        bool,
        key(
            parse_bool,
            "false",
            "show each speaker's services account on the pages and in exports; user@host is never shown "
            "(only `successbot export --private` has it)",
        ),
    ]
    mark_unverified: Annotated[
        bool,
        key(parse_bool, "false", 'mark a success whose speaker was not logged in to services as "(unverified)"'),
    ]
    channels: Annotated[
        tuple[str, ...],
        key(
            parse_channel_list,
            "",
            "keyed, secret or private channels (+k, +s, +p) whose successes the pages and exports show anyway; "
            "every other such channel is left out (`successbot export --private` has them all)",
        ),
    ]


def parse_mail_addresses(raw: str) -> tuple[str, ...]:
    """``a@example.org, Dev List <dev@example.org>`` → each address as given; empty: none."""
    found: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        from email.utils import getaddresses  # here: most configs mail nothing, and it is 20 ms to import

        parsed = getaddresses([item])
        address = parsed[0][1] if len(parsed) == 1 else ""
        if "@" not in address.strip("@") or any(char.isspace() for char in address):
            raise ValueError(f"expected mail addresses such as dev@example.org, comma-separated; {item!r} is not one")
        found.append(item)
    return tuple(found)


def parse_mail_address(raw: str) -> str | None:
    addresses = parse_mail_addresses(raw)
    if len(addresses) > 1:
        raise ValueError("expected one mail address such as successbot@example.org")
    return addresses[0] if addresses else None


@dataclass(frozen=True)
class DigestSettings(Section):
    max_days: Annotated[
        int,
        key(
            parse_positive_int,
            "31",
            "the longest period `successbot digest --from DATE --to DATE` writes a digest of, in days "
            "(a week is 7; digests that cover two weeks are 14)",
        ),
    ]
    mail_to: Annotated[
        tuple[str, ...],
        key(
            parse_mail_addresses,
            "",
            "mail the text digest of each ISO week to these addresses, comma-separated; empty: mail nothing",
        ),
    ]
    mail_from: Annotated[str | None, key(parse_mail_address, "", "the digest mail's From: address")]
    send_at: Annotated[
        WeeklyTime | None,
        key(
            parse_weekly_time,
            "mon 09:00",
            "when the digest of the last full ISO week is mailed (once, by one "
            "instance), a weekday and a UTC time, or off; the bot looks every [announce] check_every",
        ),
    ]
    give_up_after: Annotated[
        float,
        key(
            parse_duration,
            "1d",
            "a digest still not accepted this long after send_at (the bot was down, the "
            "server kept refusing it) is left unsent, with a log line",
        ),
    ]
    smtp_host: Annotated[str, key(parse_nonempty, "localhost", "the SMTP server that takes the digest")]
    smtp_port: Annotated[int | None, key(parse_port, "", "its port; empty: 587 with starttls, else 25")]
    starttls: Annotated[
        bool, key(parse_bool, "false", "switch to TLS with STARTTLS (certificate checked) before logging in or sending")
    ]
    smtp_user: Annotated[str, key(parse_text, "", "log in to the SMTP server as this user; empty: no login")]
    smtp_password: Annotated[Secret | None, key(parse_text, "", "the SMTP user's password", secret=True)]
    smtp_timeout: Annotated[float, key(parse_duration, "30s", "give up on an SMTP server silent for this long")]

    @property
    def effective_port(self) -> int:
        return self.smtp_port if self.smtp_port is not None else (587 if self.starttls else 25)

    def check(self) -> list[tuple[str, str]]:
        if self.mail_to and self.mail_from is None:
            return [("mail_from", "expected a From: address (mail_from) to mail the digest to mail_to")]
        if self.smtp_user and self.smtp_password is None:
            return [("smtp_user", "expected a password (smtp_password_env or smtp_password_file) for smtp_user")]
        if self.smtp_user and not self.starttls and self.smtp_host not in ("localhost", "127.0.0.1", "::1"):
            return [
                (
                    "starttls",
                    f"expected starttls = true to log in to {self.smtp_host}: without it the "
                    "password crosses the network in clear",
                )
            ]
        return []


LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class LogSettings(Section):
    level: Annotated[
        str,
        key(
            choice(*LOG_LEVELS),
            "info",
            "how much `successbot run` and the console log (to stderr): debug, info, warning or error. "
            "info: one line per change of the connection's state, per announcement posted and per schedule "
            "refresh, and nothing while idle; debug adds every line to and from the server (passwords "
            "blanked) and the scheduler's runs. --log-level LEVEL on the command line overrides it.",
        ),
    ]


@dataclass(frozen=True)
class Config:
    """The whole file: each field but ``source`` is a section, named as in the file, in the file's order."""

    bot: BotSettings
    database: DatabaseSettings
    permissions: PermissionSettings
    irc: IrcSettings
    schedule: ScheduleSettings
    announce: AnnounceSettings
    export: ExportSettings
    digest: DigestSettings
    log: LogSettings
    source: str = "embedded defaults"


# Derived from Config and the settings classes above; nothing here is declared again.
SECTION_TYPES: dict[str, type[Section]] = {
    name: hint for name, hint in get_type_hints(Config).items() if isinstance(hint, type) and issubclass(hint, Section)
}
SCHEMA: dict[str, tuple[Key, ...]] = {name: section_keys(section) for name, section in SECTION_TYPES.items()}


# --- config.example.ini, rendered from the declaration ---

_EXAMPLE_WIDTH = 110
REGENERATE_EXAMPLE = (
    "python -c \"from successbot.config import example_config; print(example_config(), end='')\" > config.example.ini"
)


def _comment(text: str) -> list[str]:
    return textwrap.wrap(
        text,
        width=_EXAMPLE_WIDTH,
        initial_indent="# ",
        subsequent_indent="# ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def example_config() -> str:
    """The text of config.example.ini: every section and key in order, each key under its help.

    Keys are set to their defaults, so the file loads as the embedded defaults;
    secrets are commented out and shown with their ``_env`` form.
    """
    secrets = [key.name for keys in SCHEMA.values() for key in keys if key.secret]
    lines = [
        "# successbot configuration. Copy this file, change what you need, and start the",
        "# bot with `successbot --config FILE run` (or set $SUCCESSBOT_CONFIG).",
        "# Every key is shown with its default; `successbot check-config FILE` checks a file.",
        f"# Secrets ({', '.join(secrets)}) may instead be given as KEY_env = VARNAME or",
        "# KEY_file = PATH, so that they need not sit in this file.",
        "#",
        "# Generated by successbot.config.example_config() from the key() declarations",
        "# in src/successbot/config.py; change those, then regenerate this file with",
        f"#   {REGENERATE_EXAMPLE}",
    ]
    for section, keys in SCHEMA.items():
        lines += ["", f"[{section}]"]
        for key in keys:
            lines += _comment(key.help)
            if key.secret:  # no default; shown commented out, with the form that keeps it out of the file
                lines += [
                    f"# (a secret: better given as {key.name}_env = VARNAME or {key.name}_file = PATH)",
                    f"# {key.name} =",
                    f"# {key.name}_env = SUCCESSBOT_{key.name.upper()}",
                ]
            else:
                lines.append(f"{key.name} = {key.default}".rstrip())
                if key.sensitive:
                    lines.append(f"# {key.name}_env = SUCCESSBOT_{section.upper()}_{key.name.upper()}")
    return "\n".join(lines) + "\n"


def default_config() -> Config:
    return load_config(None)


def load_config(path: str | os.PathLike[str] | None, *, secrets_needed: bool = True) -> Config:
    """Read ``path`` (None: the embedded defaults). Raises ConfigError listing every problem.

    With ``secrets_needed=False`` (commands that never log in anywhere) a
    secret that cannot be read is no problem until something reveals it.
    """
    parser = configparser.ConfigParser(interpolation=None, default_section="\0none")
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys are case-sensitive
    source = "embedded defaults"
    lines: list[str] = []
    if path is not None:
        source = str(path)
        lines = _read_lines(Path(path), source)
        try:
            parser.read_string("".join(lines), source=source)
        except configparser.Error as error:
            raise ConfigError([_parse_problem(error, source, lines)]) from None
    sections, problems = _check(parser, source, lines, secrets_needed)
    if problems:
        raise ConfigError(problems)
    return Config(source=source, **sections)


def config_path_from(cli_value: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """--config FILE, else $SUCCESSBOT_CONFIG, else None (the embedded defaults)."""
    if cli_value:
        return cli_value
    return environ.get(ENV_VAR) or None


def _read_lines(path: Path, source: str) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(source, "cannot read the config file: it does not exist")]) from None
    except IsADirectoryError:
        raise ConfigError([ConfigProblem(source, "cannot read the config file: it is a directory")]) from None
    except PermissionError:
        raise ConfigError([ConfigProblem(source, "cannot read the config file: permission denied")]) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            [ConfigProblem(source, f"cannot read the config file: not UTF-8 text (byte {error.start})")]
        ) from None
    except OSError as error:
        raise ConfigError([ConfigProblem(source, f"cannot read the config file: {error.strerror}")]) from None


def _parse_problem(error: configparser.Error, source: str, lines: list[str]) -> ConfigProblem:
    if isinstance(error, configparser.MissingSectionHeaderError):
        return ConfigProblem(
            source, f"expected a [section] header before the first key, found {error.line.strip()!r}", line=error.lineno
        )
    if isinstance(error, configparser.DuplicateSectionError):
        return ConfigProblem(source, "this section appears twice", section=error.section, line=error.lineno)
    if isinstance(error, configparser.DuplicateOptionError):
        return ConfigProblem(
            source, "this key appears twice in its section", section=error.section, key=error.option, line=error.lineno
        )
    if isinstance(error, configparser.ParsingError):
        lineno = error.errors[0][0]
        text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        return ConfigProblem(source, f"expected 'key = value', found {text!r}", line=lineno)
    return ConfigProblem(source, f"cannot parse the config file: {error}")


def _check(
    parser: configparser.ConfigParser, source: str, lines: list[str], secrets_needed: bool = True
) -> tuple[dict[str, Section], list[ConfigProblem]]:
    """Every section's settings (complete only if there is no problem) and every problem."""
    problems: list[ConfigProblem] = []
    for section in parser.sections():
        if section not in SCHEMA:
            hint = _did_you_mean(section, SCHEMA)
            problems.append(
                ConfigProblem(
                    source,
                    f"unknown section; expected one of {', '.join(SCHEMA)}{hint}",
                    section=section,
                    line=_line_of(lines, section),
                )
            )
    settings: dict[str, Section] = {}
    for section, keys in SCHEMA.items():
        given = dict(parser.items(section)) if parser.has_section(section) else {}
        values = _check_section(section, keys, given, source, lines, problems, secrets_needed)
        if problems:
            continue  # a section's own checks run only while every key so far has parsed
        settings[section] = SECTION_TYPES[section](**values)
        for key, message in settings[section].check():
            problems.append(
                ConfigProblem(source, message, section=section, key=key, line=_line_of(lines, section, key))
            )
    return settings, problems


def _check_section(
    section: str,
    keys: tuple[Key, ...],
    given: dict[str, str],
    source: str,
    lines: list[str],
    problems: list[ConfigProblem],
    secrets_needed: bool = True,
) -> dict[str, Any]:
    known = {key.name for key in keys}
    known |= {form for key in keys for form in key.indirect_forms}
    for name in given:
        if name not in known:
            problems.append(
                ConfigProblem(
                    source,
                    f"unknown key{_did_you_mean(name, known)}",
                    section=section,
                    key=name,
                    line=_line_of(lines, section, name),
                )
            )
    values: dict[str, Any] = {}
    for key in keys:

        def problem(message: str, name: str = key.name) -> None:
            problems.append(
                ConfigProblem(source, message, section=section, key=name, line=_line_of(lines, section, name))
            )

        if key.secret:
            values[key.name] = _secret_value(key, given, source, problem, secrets_needed)
            continue
        raw = given.get(key.name, key.default)
        if key.sensitive and any(form in given for form in key.indirect_forms):
            indirect = _secret_value(key, given, source, problem)
            if indirect is None:
                continue  # its problem is recorded
            raw = indirect.reveal()
        try:
            values[key.name] = key.parse(raw)
        except ValueError as error:
            shown = mask_credentials(raw.strip()) if key.sensitive else raw.strip()
            problem(f"{error}, found {shown!r}")
    return values


def mask_credentials(url: str) -> str:
    """``url`` with any password in it shown as ``***``, as SQLAlchemy shows an engine's URL."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _secret_value(
    key: Key, given: dict[str, str], source: str, problem: Callable[..., None], needed: bool = True
) -> Secret | None:
    forms = [name for name in (key.name, key.name + "_env", key.name + "_file") if name in given]
    if len(forms) > 1:
        problem(f"expected only one of {', '.join(forms)}, found {len(forms)}", forms[1])
        return None
    if not forms:
        return None
    name = forms[0]
    raw = given[name].strip()
    if name == key.name:
        return Secret(given[name], f"{source} [{key.name}]") if raw else None

    def unreadable(message: str) -> Secret | None:
        if needed:
            problem(message, name)
            return None
        return Secret(None, f"{source}: {name}", message)

    if name.endswith("_env"):
        if raw not in os.environ:
            return unreadable(f"expected the environment variable {raw!r} to be set, found it unset")
        return Secret(os.environ[raw], f"${raw}")
    try:
        return Secret(Path(raw).expanduser().read_text(encoding="utf-8").rstrip("\r\n"), raw)
    except OSError as error:
        return unreadable(f"expected a readable file, found {raw!r} ({error.strerror})")


def problem_in_file(config: Config, section: str, key: str, message: str) -> ConfigProblem:
    """A problem with ``[section] key`` of the file ``config`` was read from, at its line when it is there."""
    lines: list[str] = []
    if config.source != "embedded defaults":
        try:
            lines = Path(config.source).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):  # it was read a moment ago; without it, no line number
            lines = []
    return ConfigProblem(config.source, message, section=section, key=key, line=_line_of(lines, section, key))


def _did_you_mean(word: str, choices: Any) -> str:
    import difflib  # here: only a mistyped key needs it, and the running bot keeps what it imports

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _line_of(lines: list[str], section: str, key: str | None = None) -> int | None:
    """The 1-based line of ``[section]`` or of ``key`` inside it; configparser keeps none."""
    current = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[([^\]]+)\]", stripped)
        if header:
            current = header.group(1)
            if key is None and current == section:
                return number
        elif key is not None and current == section and re.match(rf"{re.escape(key)}\s*[=:]", stripped):
            return number
    return None

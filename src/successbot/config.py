"""The configuration file: its keys declared once, read with configparser, checked whole.

Every key lives in ``SCHEMA`` with its parser, default and one-line help.
Loading collects every problem as a ``ConfigProblem`` (file, line, section,
key, what was expected, what was found) instead of stopping at the first, so
``successbot check-config`` can list them all. Secrets may be given inline, as
``KEY_env = VARNAME`` or as ``KEY_file = PATH``, and are held in ``Secret``,
which never shows its value in a repr or a log line.
"""

from __future__ import annotations

import configparser
import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


def parse_weekly(raw: str) -> Any:
    from successbot.announcements.plan import parse_weekly_time

    return parse_weekly_time(raw)


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


def parse_database_url(raw: str) -> str:
    """A SQLAlchemy URL whose dialect and driver are installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    value = raw.strip()
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


# --- the schema ---


@dataclass(frozen=True)
class Key:
    name: str
    parse: Callable[[str], Any]
    default: str
    help: str
    secret: bool = False


SCHEMA: dict[str, tuple[Key, ...]] = {
    "bot": (
        Key("nick", parse_nick, "successbot", "the bot's nick, also the name its replies show in the console"),
        Key("command_prefix", parse_prefix, "!", "the character that starts a command, as in !help"),
        Key("console_channel", parse_channel, "#successbot", "the channel the console pretends to be in"),
    ),
    "database": (
        Key(
            "url",
            parse_database_url,
            "sqlite:///successbot.db",
            "any SQLAlchemy URL; a relative SQLite path is taken from the working directory",
        ),
        Key("auto_upgrade", parse_bool, "true", "bring the database schema up to date when the bot starts"),
        Key(
            "busy_timeout",
            parse_duration,
            "5s",
            "SQLite: how long a write waits while another writer holds the lock, then the bot says it could not",
        ),
    ),
    "permissions": (
        Key("admins", parse_list, "", "services accounts (not nicks) allowed to run admin commands, comma-separated"),
    ),
    "irc": (
        Key("server", parse_text, "", "host name of the IRC server; empty: `successbot run` starts the console"),
        Key("port", parse_port, "", "port; empty: 6697 with TLS, else 6667"),
        Key("tls", parse_tls, "auto", "auto (TLS exactly on port 6697), true or false"),
        Key("tls_verify", parse_bool, "true", "check the server's certificate and host name"),
        Key("server_password", parse_text, "", "the server's connection password (PASS), if it has one", secret=True),
        Key("alt_nicks", parse_nick_list, "", "nicks to use while [bot] nick is taken; empty: the nick with _ added"),
        Key("username", parse_nick, "successbot", "the user part of user@host when the server does no ident lookup"),
        Key("realname", parse_nonempty, "successbot", "the real name field"),
        Key("channels", parse_channels, "", "channels to join, comma-separated; a key follows its channel: #a, #b key"),
        Key("auth", choice("sasl", "nickserv", "none"), "none", "sasl, nickserv or none"),
        Key("account", parse_text, "", "the services account to log in to; empty: [bot] nick"),
        Key("password", parse_text, "", "the services account's password", secret=True),
        Key("network", parse_text, "", "network name stored with each success; empty: what the server calls itself"),
        Key("ping_interval", parse_duration, "60s", "after this long without a line from the server, PING it"),
        Key("ping_timeout", parse_duration, "30s", "no answer to that PING in this long: reconnect"),
        Key("reconnect_max", parse_duration, "5m", "the longest wait between reconnection attempts"),
        Key("rejoin_delay", parse_duration, "10s", "wait this long before rejoining a channel after a kick"),
        Key("flood_burst", parse_positive_int, "4", "lines the bot may send at once before pacing itself"),
        Key("flood_rate", parse_positive_float, "0.9", "lines per second after the burst"),
        Key("max_reply_lines", parse_positive_int, "3", "a long reply is split into at most this many lines"),
        Key("quit_message", parse_text, "successbot signing off", "the QUIT message on shutdown"),
    ),
    "schedule": (
        Key(
            "sources",
            parse_list,
            "",
            "schedule files or http(s) URLs, comma-separated; relative paths from the working directory",
        ),
        Key("refresh", parse_duration, "6h", "how often the sources are read again, e.g. 6h, 30m, 1d"),
    ),
    "announce": (
        Key("channels", parse_channel_choice, "", "where announcements go; empty: every [irc] channel (the console's)"),
        Key("summary_channels", parse_channel_choice, "", "weekly summary channels; empty: channels; off: none"),
        Key("election_channels", parse_channel_choice, "", "election reminder channels; empty: channels; off: none"),
        Key("release_channels", parse_channel_choice, "", "release reminder channels; empty: channels; off: none"),
        Key("weekly_summary", parse_weekly, "fri 15:00", "when the weekly summary is posted (UTC), or off"),
        Key("election_offsets", parse_durations, "2d, 4h", "remind this long before an election phase closes"),
        Key("release_offsets", parse_durations, "1d", "remind this long before a milestone or freeze"),
        Key(
            "release_week_time",
            parse_time_of_day,
            "09:00",
            "UTC time of the Monday list and day-before reminders",
        ),
        Key("notice", parse_bool, "false", "send announcements as NOTICE instead of PRIVMSG"),
        Key("max_per_day", parse_positive_int, "4", "at most this many announcements per channel per UTC day"),
        Key("grace", parse_duration, "1h", "post what was missed while down if it is younger than this; skip older"),
        Key("summary_latest", parse_positive_int, "3", "how many of the latest successes the summary quotes"),
        Key("check_every", parse_duration, "30s", "how often the bot looks for announcements that are due"),
        Key("stale_claim", parse_duration, "5m", "a claim not marked sent after this long is taken over"),
    ),
    "export": (
        Key(
            "directory",
            parse_optional_path,
            "",
            "where the bot keeps the published pages up to date; empty: publish nothing",
        ),
        Key("url", parse_site_url, "", "the URL that serves that directory, for links in replies and the feed"),
        Key(
            "log_url",
            parse_log_url,
            "",
            "template of a link to a channel's log of a day, with "
            + ", ".join("{" + name + "}" for name in PLACEHOLDERS),
        ),
        Key("weeks_on_index", parse_positive_int, "8", "how many recent weeks index.html shows in full"),
    ),
}

SECRET_SUFFIXES = ("_env", "_file")


@dataclass(frozen=True)
class BotSettings:
    nick: str
    command_prefix: str
    console_channel: str


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    auto_upgrade: bool
    busy_timeout: float  # seconds


@dataclass(frozen=True)
class PermissionSettings:
    admins: tuple[str, ...]


@dataclass(frozen=True)
class IrcSettings:
    server: str
    port: int | None
    tls: bool | None
    tls_verify: bool
    server_password: Secret | None
    alt_nicks: tuple[str, ...]
    username: str
    realname: str
    channels: tuple[ChannelSetting, ...]
    auth: str
    account: str
    password: Secret | None
    network: str
    ping_interval: float
    ping_timeout: float
    reconnect_max: float
    rejoin_delay: float
    flood_burst: int
    flood_rate: float
    max_reply_lines: int
    quit_message: str

    @property
    def uses_tls(self) -> bool:
        return self.tls if self.tls is not None else self.port == 6697

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 6697 if self.uses_tls else 6667


def _check_irc(values: dict[str, Any]) -> list[tuple[str, str]]:
    if values.get("auth") in ("sasl", "nickserv") and values.get("password") is None:
        return [("auth", f"expected a password (password, password_env or password_file) for auth = {values['auth']}")]
    return []


@dataclass(frozen=True)
class ScheduleSettings:
    sources: tuple[str, ...]
    refresh: float  # seconds


@dataclass(frozen=True)
class AnnounceSettings:
    channels: tuple[str, ...] | None
    summary_channels: tuple[str, ...] | None
    election_channels: tuple[str, ...] | None
    release_channels: tuple[str, ...] | None
    weekly_summary: Any  # announcements.WeeklyTime | None
    election_offsets: tuple[float, ...]
    release_offsets: tuple[float, ...]
    release_week_time: dt_time
    notice: bool
    max_per_day: int
    grace: float
    summary_latest: int
    check_every: float
    stale_claim: float


@dataclass(frozen=True)
class ExportSettings:
    directory: str | None
    url: str | None
    log_url: LogUrlTemplate | None
    weeks_on_index: int


@dataclass(frozen=True)
class Config:
    bot: BotSettings
    database: DatabaseSettings
    permissions: PermissionSettings
    irc: IrcSettings
    schedule: ScheduleSettings
    announce: AnnounceSettings
    export: ExportSettings
    source: str = "embedded defaults"


# Which settings class holds each section; a new section adds its keys to
# SCHEMA, a class here and a field on Config.
SECTION_TYPES: dict[str, type] = {
    "bot": BotSettings,
    "database": DatabaseSettings,
    "permissions": PermissionSettings,
    "irc": IrcSettings,
    "schedule": ScheduleSettings,
    "announce": AnnounceSettings,
    "export": ExportSettings,
}

# Checks that need more than one key of a section: (key, problem) pairs.
SECTION_CHECKS: dict[str, Callable[[dict[str, Any]], list[tuple[str, str]]]] = {
    "irc": _check_irc,
}


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
    values, problems = _check(parser, source, lines, secrets_needed)
    if problems:
        raise ConfigError(problems)
    sections = {name: SECTION_TYPES[name](**section) for name, section in values.items()}
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
) -> tuple[dict[str, dict[str, Any]], list[ConfigProblem]]:
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
    values: dict[str, dict[str, Any]] = {}
    for section, keys in SCHEMA.items():
        given = dict(parser.items(section)) if parser.has_section(section) else {}
        values[section] = _check_section(section, keys, given, source, lines, problems, secrets_needed)
        if not problems and section in SECTION_CHECKS:
            for key, message in SECTION_CHECKS[section](values[section]):
                problems.append(
                    ConfigProblem(source, message, section=section, key=key, line=_line_of(lines, section, key))
                )
    return values, problems


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
    known |= {key.name + suffix for key in keys if key.secret for suffix in SECRET_SUFFIXES}
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
        try:
            values[key.name] = key.parse(raw)
        except ValueError as error:
            problem(f"{error}, found {raw.strip()!r}")
    return values


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


def _did_you_mean(word: str, choices: Any) -> str:
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

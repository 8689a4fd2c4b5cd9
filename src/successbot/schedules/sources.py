"""Where schedules come from: files and http(s) URLs, read at start and refreshed on a timer or by an admin.

Reading is the only I/O here; parsing is the importers' and keeping the
store's. A source that fails keeps its last good events, gets one warning
and its problem recorded; the other sources still load. A refresh logs one
INFO line with its counts; what an importer could not read (its warnings,
one line each) is logged as a warning, and what it ignored or adjusted (its
notes) at DEBUG only, since a large source may have thousands.

Every source is read and parsed before the store is asked to keep it, so no
database transaction is open while a slow URL or a large file is read.

The parsers (and YAML) and urllib's HTTP client are imported when a source
is first read: a bot or a command that reads none never loads them.
"""

from __future__ import annotations

import logging
import os
import posixpath
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from successbot.core.ports import ScheduleStore
from successbot.schedules.locations import is_url, short_name
from successbot.schedules.model import ImportResult, RefreshOutcome, ScheduleImportError, SiblingReader

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_SOURCE_BYTES = 5_000_000  # [schedule] max_source_bytes: the largest OpenStack file is some 40 kB
# Reads and parses several sources at once (locations, timeout, max_bytes): each one's events, or why not.
LoadAll = Callable[[Sequence[str], float, int], Sequence[ImportResult | ScheduleImportError]]


def read_location(
    location: str, timeout: float = DEFAULT_TIMEOUT_SECONDS, max_bytes: int = DEFAULT_MAX_SOURCE_BYTES
) -> str:
    """The text at ``location``; ScheduleImportError (one clear reason) when it cannot be read.

    A source larger than ``max_bytes`` is refused before it is parsed: a file by
    its size, a URL by its Content-Length, and either by never reading more than
    ``max_bytes`` and one byte.
    """
    import urllib.error
    import urllib.request

    try:
        if is_url(location):
            with urllib.request.urlopen(location, timeout=timeout) as response:
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise _too_large(location, max_bytes)
                data = response.read(max_bytes + 1)
        else:
            with Path(location).open("rb") as file:
                if os.fstat(file.fileno()).st_size > max_bytes:
                    raise _too_large(location, max_bytes)
                data = file.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(location, max_bytes)
        return data.decode("utf-8", errors="replace") if is_url(location) else data.decode("utf-8")
    except urllib.error.HTTPError as error:
        raise ScheduleImportError(location, f"cannot fetch it: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise ScheduleImportError(location, f"cannot fetch it: {error.reason}") from None
    except TimeoutError:
        raise ScheduleImportError(location, f"cannot fetch it: no answer within {timeout:g} seconds") from None
    except FileNotFoundError:
        raise ScheduleImportError(location, "cannot read it: no such file") from None
    except IsADirectoryError:
        raise ScheduleImportError(location, "cannot read it: it is a directory") from None
    except UnicodeDecodeError as error:
        raise ScheduleImportError(location, f"cannot read it: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise ScheduleImportError(location, f"cannot read it: {error.strerror or error}") from None
    except ValueError as error:  # urllib's "unknown url type", a NUL in a path
        raise ScheduleImportError(location, f"cannot read it: {error}") from None


def _too_large(location: str, max_bytes: int) -> ScheduleImportError:
    return ScheduleImportError(
        location, f"refused: larger than {size_text(max_bytes)} ([schedule] max_source_bytes); not parsed"
    )


def size_text(count: int) -> str:
    """``5 MB``, ``512 kB``, ``700 bytes``: a limit as people write it."""
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if count >= factor and count % (factor // 10) == 0:
            return f"{count / factor:g} {unit}"
    return f"{count:,} bytes"


def sibling_reader(
    location: str, timeout: float = DEFAULT_TIMEOUT_SECONDS, max_bytes: int = DEFAULT_MAX_SOURCE_BYTES
) -> SiblingReader:
    """Reads files next to ``location`` (schedule.rst beside schedule.yaml); None for any that cannot be read."""

    def read(relative: str) -> str | None:
        if is_url(location):
            parts = urllib.parse.urlsplit(location)
            path = posixpath.normpath(posixpath.join(posixpath.dirname(parts.path), relative))
            neighbour = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        else:
            neighbour = str(Path(location).parent / relative)
        try:
            return read_location(neighbour, timeout, max_bytes)
        except ScheduleImportError:
            return None

    return read


def import_text(source: str, text: str, read_sibling: SiblingReader, format: str | None = None) -> ImportResult:
    """``formats.detection.import_text``, whose parsers (and YAML) are imported when a source is first parsed."""
    from successbot.schedules.formats.detection import import_text as parse

    return parse(source, text, read_sibling, format)


def load_location(
    location: str,
    format: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_SOURCE_BYTES,
) -> ImportResult:
    """The events at ``location``; any failure of reading or parsing it is one ScheduleImportError naming it.

    Parsing is anyone's file meeting our importers: whatever they raise
    (RecursionError, MemoryError, a YAML error, a bug) stays this source's
    failure, so that one source never stops the others.
    """
    import yaml

    from successbot.schedules.formats.plain_yaml import describe_error, error_line

    text = read_location(location, timeout, max_bytes)
    try:
        return import_text(location, text, sibling_reader(location, timeout, max_bytes), format)
    except ScheduleImportError:
        raise
    except RecursionError:
        raise ScheduleImportError(location, "refused: nested too deeply to read") from None
    except MemoryError:
        raise ScheduleImportError(location, "refused: too large to read in memory") from None
    except yaml.YAMLError as error:
        raise ScheduleImportError(location, describe_error(error), line=error_line(error)) from None
    except Exception as error:  # an importer's bug must not take the other sources with it
        log.debug("schedule source %s: the importer failed", location, exc_info=True)
        reason = str(error).splitlines()[0] if str(error) else ""
        raise ScheduleImportError(location, f"cannot read it: {type(error).__name__}: {reason}".rstrip(": ")) from None


def refresh_one(
    store: ScheduleStore,
    location: str,
    now: datetime,
    timeout: float,
    max_bytes: int = DEFAULT_MAX_SOURCE_BYTES,
    loaded: ImportResult | ScheduleImportError | None = None,
) -> RefreshOutcome:
    """Read ``location`` (or take what reading it gave, ``loaded``) and keep its events, or its problem."""
    try:
        if isinstance(loaded, ScheduleImportError):
            raise loaded
        result = loaded or load_location(location, timeout=timeout, max_bytes=max_bytes)
    except ScheduleImportError as error:
        kept = next((state.event_count for state in store.sources() if state.location == location), 0)
        log.warning("schedule source %s; keeping its last %d events", error, kept)
        store.record_failure(location, error.detail(), now)
        return RefreshOutcome(location, kept, error.detail())
    for note in result.notes:
        log.debug("schedule source %s", note)
    for warning in result.warnings:
        log.warning("schedule source %s", warning)
    count = store.replace_source(location, result.events, now, result.format)
    return RefreshOutcome(location, count, notes=len(result.notes), warnings=tuple(result.warnings))


def refresh_sources(
    store: ScheduleStore,
    locations: tuple[str, ...],
    now: datetime,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
    max_bytes: int = DEFAULT_MAX_SOURCE_BYTES,
    load_all: LoadAll | None = None,
) -> list[RefreshOutcome]:
    """Read every configured source again; the scheduler calls this every ``[schedule] refresh``.

    ``load_all``: reads and parses them all instead of ``load_location`` here
    (``worker.load_apart``, in a process of their own, as the running bot does).
    """
    started = monotonic()
    loaded: list[ImportResult | ScheduleImportError | None] = [None] * len(locations)
    if load_all is not None and locations:
        loaded = list(load_all(locations, timeout, max_bytes))
    outcomes = [
        refresh_one(store, location, now, timeout, max_bytes, result)
        for location, result in zip(locations, loaded, strict=True)
    ]
    log.info("%s", refresh_summary(outcomes, monotonic() - started))
    return outcomes


def refresh_summary(outcomes: list[RefreshOutcome], seconds: float) -> str:
    """The one log line of a refresh: ``schedule refreshed in 2.1s: 2 of 3 sources read, 51 events; …``."""
    read = [outcome for outcome in outcomes if outcome.problem is None]
    failed = [outcome for outcome in outcomes if outcome.problem is not None]
    events = sum(outcome.event_count for outcome in outcomes)
    line = f"schedule refreshed in {seconds:.1f}s: {len(read)} of {len(outcomes)} sources read, {events} events"
    if failed:
        kept = ", ".join(f"{short_name(outcome.location)} (kept {outcome.event_count})" for outcome in failed)
        line += f"; {len(failed)} failed: {kept}"
    warnings = sum(len(outcome.warnings) for outcome in outcomes)
    if warnings:
        line += f"; {warnings} {'entry' if warnings == 1 else 'entries'} not read or in doubt (logged as warnings)"
    notes = sum(outcome.notes for outcome in outcomes)
    if notes:
        line += f"; {notes} entries ignored or adjusted (listed at log level debug)"
    return line


@dataclass(frozen=True)
class ScheduleService:
    """The core's ``ScheduleService``: the stored events and the configured sources, read from here."""

    store: ScheduleStore
    locations: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_bytes: int = DEFAULT_MAX_SOURCE_BYTES
    # Told after every refresh (the timed one and !schedule reload): the published digests follow the schedule.
    after_refresh: Callable[[list[RefreshOutcome]], None] | None = None
    load_all: LoadAll | None = None  # ``worker.load_apart`` in the running bot: parsed in a process of their own

    def refresh(self, now: datetime) -> list[RefreshOutcome]:
        outcomes = refresh_sources(
            self.store, self.locations, now, self.timeout, max_bytes=self.max_bytes, load_all=self.load_all
        )
        if self.after_refresh is not None:
            self.after_refresh(outcomes)
        return outcomes

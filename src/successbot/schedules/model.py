"""What a schedule is made of: events with a kind, a title, a span in UTC and where they came from.

Importers turn published files into ``Event`` values; the store keeps them;
the queries answer ``!deadline`` and ``!election`` from them. A deadline on a
day is ``all_day`` and spans that day, 00:00 to 24:00 UTC; an instant has
``start == end``; a phase has both ends.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from successbot.schedules.locations import short_name

# Reads a file beside a source (schedule.rst beside schedule.yaml); None for one that cannot be read.
SiblingReader = Callable[[str], str | None]


class Kind(enum.Enum):
    MILESTONE = "milestone"
    FREEZE = "freeze"
    RELEASE_CANDIDATE = "release candidate"
    FINAL_RELEASE = "final release"
    DEADLINE = "deadline"  # any other deadline or event of the cycle
    ELECTION_PHASE = "election phase"
    # Not a deadline: a week of a release cycle, so the bot can say where we are.
    CYCLE_WEEK = "cycle week"

    @classmethod
    def named(cls, text: str) -> Kind:
        """The kind called ``text`` (``freeze``, ``election phase`` or ``election-phase``); ValueError if none."""
        wanted = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
        for kind in cls:
            if kind.value == wanted:
                return kind
        if wanted in ("other", "other deadline"):
            return cls.DEADLINE
        names = ", ".join(kind.value for kind in cls)
        raise ValueError(f"unknown kind {text!r}; expected one of {names}")


@dataclass(frozen=True)
class Event:
    kind: Kind
    title: str
    start: datetime
    end: datetime
    source: str  # the file or URL, as configured
    entry: str  # where in the source: "cycle[12] i-2", "timeline[3]", "line 40"
    all_day: bool = False
    series: str | None = None  # the series' name, lower case: "indri"
    release_id: str | None = None  # "2027.1", when known
    project: str | None = None  # None: cross-project
    label: str | None = None  # the source's own name for it: "i-2", "R-17"
    # What the source says of it, on one line (schedule.rst's prose under its label, a YAML description), for the
    # digest's countdown; None when the source says nothing.
    description: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("event times must be aware UTC datetimes")
        if self.end < self.start:
            raise ValueError(f"{self.title!r} ends before it starts")

    @property
    def is_cross_project(self) -> bool:
        return self.project is None

    @property
    def last_day(self) -> date:
        """The last day the event covers (for a day-long event, that day)."""
        if self.all_day:
            return (self.end - timedelta(days=1)).date()
        return self.end.date()

    def is_over(self, now: datetime) -> bool:
        """Over once its end has come: a phase closing at 23:45 is over at 23:45, and so is an instant."""
        return self.end <= now

    def is_open(self, now: datetime) -> bool:
        return self.start <= now < self.end


@dataclass
class ImportResult:
    """A source's events, what in it was ignored or adjusted (notes), and what could not be read (warnings).

    A note is the importer's ordinary housekeeping (a repeated week merged, the
    previous series' label left to its own file), logged at DEBUG. A warning is
    a part of the source lost or in doubt (a row that cannot be read, a
    ``release-week`` that disagrees with the week names): one line each,
    ``file:line: entry: what was expected; what was done``, logged as a warning
    and shown by ``schedule import`` and ``!schedule reload``.
    """

    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: str | None = None  # which importer read it


@dataclass(frozen=True)
class RefreshOutcome:
    location: str
    event_count: int  # events now held for it: the new ones, or the kept ones after a failure
    problem: str | None = None
    notes: int = 0  # entries the importer ignored or adjusted (each logged at DEBUG)
    warnings: tuple[str, ...] = ()  # rows it could not read, disagreements (each logged as a warning)

    def describe(self) -> str:
        if self.problem is None:
            return f"{short_name(self.location)} {self.event_count} events"
        return f"{short_name(self.location)} failed ({self.problem}; kept {self.event_count} events)"


MAX_REASON = 300  # characters of a reason or an entry in an import error


class ScheduleImportError(Exception):
    """A source that cannot be imported: which file, which entry (and line), and what is wrong."""

    def __init__(self, source: str, reason: str, entry: str | None = None, line: int | None = None) -> None:
        # One line of a sane length, whatever the file held (a reason may quote what it found).
        reason = " ".join(reason.split())
        reason = reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
        entry = entry if entry is None or len(entry) <= MAX_REASON else entry[: MAX_REASON - 1] + "…"
        self.source, self.reason, self.entry, self.line = source, reason, entry, line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        if self.entry:
            where += f": {self.entry}"
        return f"{where}: {self.reason}"

    def detail(self) -> str:
        """The message without the file's name, for a reply that names the file already."""
        line = f"line {self.line}: " if self.line is not None else ""
        entry = f"{self.entry}: " if self.entry else ""
        return f"{line}{entry}{self.reason}"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_event_span(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """The UTC span of the days ``first`` to ``last`` inclusive."""
    return day_start(first), day_start((last or first) + timedelta(days=1))


def series_display(series: str | None, release_id: str | None) -> str:
    """``Indri (2027.1)``, ``Ocata``, ``2027.1``, or ``""``."""
    if series and release_id:
        return f"{series.capitalize()} ({release_id})"
    return (series or "").capitalize() or (release_id or "")

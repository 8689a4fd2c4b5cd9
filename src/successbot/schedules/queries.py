"""Questions about a schedule at a given instant, as pure functions over events.

Nothing here reads the clock or the database: the commands pass the
message's time and the stored events, and the tests pass fixed ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from successbot.schedules.model import Event, Kind

NOT_DEADLINES = (Kind.CYCLE_WEEK, Kind.ELECTION_PHASE)
AUDIENCES = ("ptl", "tc")


def in_order(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda event: (event.start, event.end, event.title))


def distinct(events: Iterable[Event]) -> list[Event]:
    """One of each event that several sources (or a re-import under another name) repeat."""
    seen: set[tuple[object, ...]] = set()
    kept = []
    for event in events:
        key = (
            event.kind,
            event.title.casefold(),
            event.release_id or event.series,
            event.project,
            event.start,
            event.end,
        )
        if key not in seen:
            seen.add(key)
            kept.append(event)
    return kept


def cycle_week_at(events: Iterable[Event], at: datetime) -> Event | None:
    """The release-cycle week ``at`` is in (the newest series' when two overlap)."""
    weeks = [event for event in events if event.kind is Kind.CYCLE_WEEK and event.is_open(at)]
    return max(weeks, key=lambda week: week.start, default=None)


def cycle_over_at(events: Iterable[Event], at: datetime) -> tuple[Event, Event | None] | None:
    """Between cycles (no week open): the last week that ended before ``at``, and its series' release if known."""
    events = list(events)
    if cycle_week_at(events, at) is not None:
        return None
    weeks = [event for event in events if event.kind is Kind.CYCLE_WEEK and event.is_over(at)]
    last = max(weeks, key=lambda week: week.end, default=None)
    if last is None:
        return None
    aliases = tuple(alias for alias in (last.series, last.release_id) if alias)
    releases = [
        event
        for event in events
        if event.kind is Kind.FINAL_RELEASE and aliases and names_series(event, aliases) and event.start <= last.end
    ]
    return last, max(releases, key=lambda release: release.start, default=None)


def known_series(events: Iterable[Event]) -> dict[str, tuple[str | None, str | None]]:
    """Every name and release id a series goes by, to its (name, release id)."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for event in events:
        for word in (event.series, event.release_id):
            if word and (word.lower() not in found or found[word.lower()][0] is None):
                found[word.lower()] = (event.series, event.release_id)
    return found


def known_projects(events: Iterable[Event]) -> set[str]:
    return {event.project.lower() for event in events if event.project}


def upcoming_deadlines(
    events: Iterable[Event],
    at: datetime,
    *,
    projects: tuple[str, ...] = (),
    series: str | None = None,
    every_project: bool = False,
) -> list[Event]:
    """Deadlines not over at ``at``, in date order: cross-project ones, plus ``projects``' own (or every project's)."""
    wanted = {project.lower() for project in projects}
    events = list(events)
    aliases = series_aliases(events, series) if series is not None else ()
    chosen = [
        event
        for event in events
        if event.kind not in NOT_DEADLINES
        and not event.is_over(at)
        and (event.project is None or every_project or event.project.lower() in wanted)
        and (series is None or names_series(event, aliases))
    ]
    return distinct(in_order(chosen))


def series_aliases(events: Iterable[Event], word: str) -> tuple[str, ...]:
    """The names ``word`` (a series' name or release id) goes by: ``("indri", "2027.1")``."""
    name, release_id = known_series(events).get(word.lower(), (word.lower(), None))
    return tuple(alias.lower() for alias in (name, release_id) if alias)


def names_series(event: Event, aliases: tuple[str, ...]) -> bool:
    """Whether ``event`` is of that series: from its schedule, or titled after it.

    The Indri file holds "2026.2 Hibiscus Cycle-Trailing Release Deadline":
    that is Hibiscus' deadline too, though Indri's file gives it.
    """
    if {event.series, event.release_id} & set(aliases):
        return True
    return any(
        re.search(rf"(?<![\w.]){re.escape(alias)}(?![\w]|\.\d)", event.title, re.IGNORECASE) for alias in aliases
    )


def audiences(event: Event) -> set[str]:
    """Whom an election phase is for: PTL, TC, or both (a combined election's shared phase)."""
    words = set(event.title.lower().replace("/", " ").split())
    named = {audience for audience in AUDIENCES if audience in words or f"{audience}s" in words}
    return named or set(AUDIENCES)


def election_phases(events: Iterable[Event], audience: str | None = None) -> list[Event]:
    """Election phases, in order. The election repository's exact times win over the release schedule's weeks."""
    phases = [event for event in events if event.kind is Kind.ELECTION_PHASE]
    if any(not phase.all_day for phase in phases):
        phases = [phase for phase in phases if not phase.all_day]
    if audience is not None:
        phases = [phase for phase in phases if audience in audiences(phase)]
    return distinct(in_order(phases))


def open_phases(phases: Iterable[Event], at: datetime) -> list[Event]:
    return [phase for phase in phases if phase.is_open(at)]


def next_phase(phases: Iterable[Event], at: datetime) -> Event | None:
    return next((phase for phase in in_order(phases) if phase.start > at), None)


def last_ended(phases: Iterable[Event], at: datetime) -> Event | None:
    over = [phase for phase in phases if phase.is_over(at)]
    return max(over, key=lambda phase: phase.end, default=None)


def opening_with(phases: Iterable[Event], first: Event | None) -> list[Event]:
    """``first`` and every phase that opens the same minute (the PTL and the TC election), in order."""
    if first is None:
        return []
    return in_order(phase for phase in phases if phase.start == first.start)


def ending_with(phases: Iterable[Event], last: Event | None) -> list[Event]:
    """``last`` and every phase that is over by then and closes the same minute, in order."""
    if last is None:
        return []
    return in_order(phase for phase in phases if phase.end == last.end)

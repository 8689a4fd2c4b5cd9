"""Questions about a schedule at a given instant, as pure functions over events.

Nothing here reads the clock or the database: the commands pass the
message's time and the stored events, and the tests pass fixed ones.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from successbot.schedules.model import Event, Kind

NOT_DEADLINES = (Kind.CYCLE_WEEK, Kind.ELECTION_PHASE)
AUDIENCES = ("ptl", "tc")


def in_order(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda event: (event.start, event.end, event.title))


def distinct(events: Iterable[Event]) -> list[Event]:
    """One of each event, however many sources (or names) give it; the first of each kept, in the input's order.

    Two events are one when they are of the same kind, series and project,
    cover the same days, and either carry the same label or have the same
    title once the series' name, its release id and the label's series
    letter are set aside: ``2024.1 Caracal release`` (series_status.yaml) is
    ``Caracal release`` (schedule.yaml), and ``o-design-summit`` (a label the
    Newton file gives no title) is ``Ocata Design Summit``. Of the two, a
    title is preferred to a bare label.
    """
    events = list(events)
    names = {event.release_id: event.series for event in events if event.release_id and event.series}
    kept: list[Event] = []
    with_series: dict[tuple[object, ...], int] = {}  # identity in a series -> index in kept
    any_series: dict[tuple[object, ...], int] = {}  # identity without the series, for events that name none
    without_series: dict[tuple[object, ...], int] = {}  # the same, but only events that name none
    for event in events:  # on every !deadline: plain loops, each key built once
        series = event.series or names.get(event.release_id or "") or event.release_id
        keys = _identities(event)
        in_series = [(series, *key) for key in keys] if series is not None else []
        found = _first_found(in_series, with_series) if series is not None else _first_found(keys, any_series)
        if found is None and series is not None:
            found = _first_found(keys, without_series)
        if found is None:
            found = len(kept)
            kept.append(event)
        elif _is_bare_label(kept[found]) and not _is_bare_label(event):
            kept[found] = event
        for key in keys:
            any_series.setdefault(key, found)
            if series is None:
                without_series.setdefault(key, found)
        for key in in_series:
            with_series.setdefault(key, found)
    return kept


def _first_found(keys: Iterable[tuple[object, ...]], known: dict[tuple[object, ...], int]) -> int | None:
    for key in keys:
        if key in known:
            return known[key]
    return None


@functools.lru_cache(maxsize=4096)
def _identities(event: Event) -> tuple[tuple[object, ...], ...]:
    """Kept per event (events are values): ``!deadline`` asks them of the same few dozen events each time, and the
    title's words cost a few regular expressions. The kind by its value: an enum member hashes in Python."""
    same = (event.kind.value, (event.project or "").lower(), event.start, event.end)
    keys: list[tuple[object, ...]] = [(*same, "title", _bare_title(event))]
    if event.label:
        keys.append((*same, "label", event.label.lower()))
    return tuple(keys)


def _is_bare_label(event: Event) -> bool:
    return event.label is not None and event.title.strip().lower() == event.label.lower()


def _bare_title(event: Event) -> str:
    """The title's words without the series' name, its release id, or a label's series letter (``o-``)."""
    return _bare_words(event.title, _is_bare_label(event), event.series, event.release_id)


# Every !deadline asks this of each event near: the same few hundred titles again and again.
@functools.lru_cache(maxsize=2048)
def _bare_words(title: str, bare_label: bool, series: str | None, release_id: str | None) -> str:
    title = title.lower()
    if bare_label:
        title = re.sub(r"^[a-z]-", "", title)
    words = re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", title)
    aside = {word for word in (series, release_id) if word}
    aside |= {word.lower() for word in aside}
    return " ".join(word for word in words if word not in aside and not re.fullmatch(r"\d{4}\.\d", word))


_WEEK_NAME = re.compile(r"^R\s*([-+]?)\s*(\d+)$")


def week_offset(name: str | None) -> int | None:
    """``R-4`` → -4, ``R+0`` and ``R-0`` → 0; None for a name that is not a week of a release cycle."""
    found = _WEEK_NAME.match((name or "").strip())
    if found is None:
        return None
    return -int(found.group(2)) if found.group(1) == "-" else int(found.group(2))


def cycle_week_at(events: Iterable[Event], at: datetime) -> Event | None:
    """The release-cycle week ``at`` is in; when two series' weeks overlap, the newest series'.

    A new cycle's first weeks overlap the old one's last (Ocata R+1 and Pike
    R-26 both start 2017-02-27), so neither the week's start nor the order
    the files were imported in can tell them apart. The series' own order
    does: the newer series is the one released later, and each week's name
    says when that is (R-26 on 2017-02-27: released the week of 2017-08-28).
    """
    events = list(events)
    weeks = [event for event in events if event.kind is Kind.CYCLE_WEEK and event.is_open(at)]
    if len(weeks) < 2:
        return weeks[0] if weeks else None
    return max(weeks, key=lambda week: _series_rank(week, events))


def _series_rank(week: Event, events: list[Event]) -> tuple[object, ...]:
    """How new ``week``'s series is: its release week, then names, for an order that never depends on the input's.

    A week not named R-n (our own YAML may call weeks anything) stands for a
    series released around its cycle's last week.
    """
    offset = week_offset(week.title)
    if offset is not None:
        release = week.start - timedelta(weeks=offset)
    else:
        release = max(
            (other.start for other in events if other.kind is Kind.CYCLE_WEEK and _same_cycle(other, week)),
            default=week.start,
        )
    return (release, week.release_id or "", week.series or "", week.source, week.title)


def _same_cycle(one: Event, other: Event) -> bool:
    if one.series or other.series or one.release_id or other.release_id:
        return (one.series, one.release_id) == (other.series, other.release_id)
    return one.source == other.source


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
    for event in events:  # every !deadline asks, of each event near: each name lowered once
        names = (event.series, event.release_id)
        for word in names:
            if word:
                key = word.lower()
                held = found.get(key)
                if held is None or held[0] is None:
                    found[key] = names
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
    return any(_series_word(alias).search(event.title) for alias in aliases)


@functools.lru_cache(maxsize=256)
def _series_word(alias: str) -> re.Pattern[str]:
    """``alias`` as a word of a title; compiled once, not looked up in re's cache for each event and alias."""
    return re.compile(rf"(?<![\w.]){re.escape(alias)}(?![\w]|\.\d)", re.IGNORECASE)


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

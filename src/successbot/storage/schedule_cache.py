"""What the schedule store keeps in memory, bounded however many events are stored.

``!deadline`` and ``!election`` ask what is near an instant, so the store
answers that (``SqlScheduleStore.events_near``) from indexed queries instead of
holding every event: 200,000 stored events made the first ``!deadline`` take
13 s and the bot 485 MB when every event was read and kept. What is kept here:

- each source's ``SourceSummary`` (its kinds, projects and series, its longest event,
  one event of each series), by source and generation: a few hundred events at
  most, whatever the source's size. It is written beside the generation
  (``schedule_sources.summary``), so another instance reads it in one row.
- the last few answers of ``events_near``, by the sources' stamp and the minute
  asked about: a burst of commands in one minute costs one set of queries.

One lock guards both: the scheduler's thread writes, any thread reads.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from successbot.schedules.model import Event, Kind

Stamp = tuple[tuple[str, int], ...]  # every source's location and current generation, by location
Group = tuple[
    str, str | None, str | None
]  # (kind, project, series): the events near an instant are looked up per group

MAX_GROUPS = 200  # per source: kinds, projects and series; a source naming more is looked up for these
MAX_REPRESENTATIVES = 200  # per source: one event of each kind, series, release and all-day-ness
WINDOWS_KEPT = 2  # answers of events_near held: this minute's and the last one's


@dataclass(frozen=True)
class SourceSummary:
    """What a question near an instant needs of a source besides the events near it."""

    groups: tuple[Group, ...]
    # Each group's first start and last end: a group wholly after or before an instant needs no query.
    spans: tuple[tuple[datetime, datetime], ...]
    longest: timedelta | None  # the longest event: what starts that long before an instant may still be open
    # One event of each (kind, series, release, all day): every series' names stay known, and whether
    # the election repository's exact timelines are present, however far they are from the instant.
    representatives: tuple[Event, ...]


def summarize(events: Iterable[Event]) -> SourceSummary:
    spans: dict[Group, tuple[datetime, datetime]] = {}
    longest = timedelta(0)
    representatives: dict[tuple[object, ...], Event] = {}
    for event in events:
        group = (event.kind.value, event.project, event.series)
        first, last = spans.get(group, (event.start, event.end))
        spans[group] = (min(first, event.start), max(last, event.end))
        longest = max(longest, event.end - event.start)
        representatives.setdefault((event.kind, event.series, event.release_id, event.all_day), event)
    groups = bounded_groups(spans)
    return SourceSummary(
        groups,
        tuple(spans[group] for group in groups),
        longest,
        tuple(list(representatives.values())[:MAX_REPRESENTATIVES]),
    )


def bounded_groups(groups: Iterable[Group]) -> tuple[Group, ...]:
    """Cross-project kinds first, then projects by name, at most ``MAX_GROUPS``."""
    return tuple(
        sorted(set(groups), key=lambda group: (group[1] is not None, group[1] or "", group[2] or "", group[0]))[
            :MAX_GROUPS
        ]
    )


def summary_to_json(summary: SourceSummary) -> str:
    return json.dumps(
        {
            "groups": [
                [*group, first.isoformat(), last.isoformat()]
                for group, (first, last) in zip(summary.groups, summary.spans, strict=True)
            ],
            "longest": None if summary.longest is None else summary.longest.total_seconds(),
            "events": [_event_to_json(event) for event in summary.representatives],
        },
        separators=(",", ":"),
    )


def summary_from_json(text: str | None, location: str) -> SourceSummary | None:
    """The summary stored for ``location``; None when there is none or it cannot be read (then it is worked out)."""
    if not text:
        return None
    try:
        data = json.loads(text)
        groups = tuple(
            (str(kind), None if project is None else str(project), None if series is None else str(series))
            for kind, project, series, _first, _last in data["groups"]
        )
        spans = tuple(
            (datetime.fromisoformat(first), datetime.fromisoformat(last)) for *_group, first, last in data["groups"]
        )
        longest = None if data["longest"] is None else timedelta(seconds=float(data["longest"]))
        events = tuple(_event_from_json(item, location) for item in data["events"])
    except (ValueError, KeyError, TypeError):
        return None
    return SourceSummary(groups, spans, longest, events)


def _event_to_json(event: Event) -> list[object]:
    return [
        event.kind.value,
        event.title,
        event.start.isoformat(),
        event.end.isoformat(),
        event.entry,
        event.all_day,
        event.series,
        event.release_id,
        event.project,
        event.label,
        event.description,
    ]


def _event_from_json(item: list[object], location: str) -> Event:
    # Summaries written before events had a description hold ten fields.
    kind, title, start, end, entry, all_day, series, release_id, project, label, *rest = item
    if len(rest) > 1:
        raise ValueError("an event of a summary has too many fields")
    description = rest[0] if rest else None
    return Event(
        Kind(kind),
        str(title),
        datetime.fromisoformat(str(start)),
        datetime.fromisoformat(str(end)),
        location,
        str(entry),
        all_day=bool(all_day),
        series=None if series is None else str(series),
        release_id=None if release_id is None else str(release_id),
        project=None if project is None else str(project),
        label=None if label is None else str(label),
        description=None if description is None else str(description),
    )


class NearCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._summaries: dict[tuple[str, int], SourceSummary] = {}
        self._windows: OrderedDict[tuple[Stamp, datetime], list[Event]] = OrderedDict()

    def summaries(self, stamp: Stamp) -> tuple[dict[str, SourceSummary], list[tuple[str, int]]]:
        """The summaries held for ``stamp``'s sources, by location, and the (location, generation) missing."""
        with self._lock:
            held = {location: self._summaries[key] for key in stamp if key in self._summaries for location in key[:1]}
            return held, [(location, gen) for location, gen in stamp if location not in held]

    def put_summary(self, location: str, generation: int, summary: SourceSummary) -> None:
        with self._lock:
            for key in [key for key in self._summaries if key[0] == location and key[1] != generation]:
                del self._summaries[key]  # one generation per source: the cache stays as small as the sources
            self._summaries[(location, generation)] = summary

    def window(self, stamp: Stamp, minute: datetime) -> list[Event] | None:
        with self._lock:
            found = self._windows.get((stamp, minute))
            if found is None:
                return None
            self._windows.move_to_end((stamp, minute))
            return list(found)

    def put_window(self, stamp: Stamp, minute: datetime, events: list[Event]) -> None:
        with self._lock:
            self._windows[(stamp, minute)] = events
            while len(self._windows) > WINDOWS_KEPT:
                self._windows.popitem(last=False)

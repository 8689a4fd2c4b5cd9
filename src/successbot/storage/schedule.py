"""The schedule kept in SQL: every source's last good events, shared by every bot instance.

A source's events are replaced whole: readers see the old set or the new one,
never half; a source that fails keeps its events and gets its problem
recorded. Database failures come out as ``StorageError``.

SQLite has one write lock, and a ``#success`` waits at most ``busy_timeout``
(5 s) for it. Replacing 65,000 events in one transaction held it for 10 s
with ORM objects and still 2.5 s with one bulk INSERT, so a replacement holds
it only briefly, however large the source:

1. stage: the new events go in under a new ``generation`` of the source, in
   bulk INSERTs of ``STAGING_ROWS`` rows, each its own transaction. Nobody
   sees them: ``events()`` returns only rows of their source's current
   generation.
2. switch: one transaction counts the staged rows and makes their generation
   the source's current one (one row of ``schedule_sources``).
3. clean up: the previous generation's rows are deleted, again in short
   transactions. Staging that another instance is doing at the same time is
   left alone; what a crash left half-staged is deleted once it is an hour old.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Executable, Select, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from successbot.core.ports import SourceState, StorageError
from successbot.schedules.model import Event, Kind
from successbot.storage.commits import CommitCounter
from successbot.storage.errors import storage_errors
from successbot.storage.schedule_cache import (
    MAX_REPRESENTATIVES,
    Group,
    NearCache,
    SourceSummary,
    Stamp,
    bounded_groups,
    summarize,
    summary_from_json,
    summary_to_json,
)
from successbot.storage.tables import SCHEDULE_EVENTS, SCHEDULE_SOURCES

log = logging.getLogger(__name__)

EVENT, SOURCE = SCHEDULE_EVENTS.c, SCHEDULE_SOURCES.c

NEAR_ROWS = 30  # events_near: of each kind and project, this many ahead of the instant and this many before
STAGING_ROWS = 2000  # rows per staging or clean-up transaction: SQLite's lock is held for some 30 ms
ABANDONED_AFTER = 3600.0  # seconds: staging this old is no refresh still running, but one that died


def new_generation(wall_clock: float) -> int:
    """A generation number: the time in milliseconds (so a dead staging's age shows) and 16 random bits."""
    return int(wall_clock * 1000) << 16 | secrets.randbits(16)


def _generations_before(wall_clock: float) -> int:
    return int(wall_clock * 1000) << 16


class SqlScheduleStore:
    def __init__(self, engine: Engine, wall_clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        # Generations are dated by the real clock, not the bot's: staging lives in real time.
        self._wall_clock = wall_clock
        # Checked against every source's current generation, a cheap stamp, so that a
        # refresh by another instance is seen too. Bounded: no source's every event is held.
        self._cache = NearCache()
        # On SQLite, the stamp is read again only once something was committed since (anyone's, any table).
        self._changes = CommitCounter(engine)
        self._kept_stamp: tuple[tuple[int, int], Stamp] | None = None

    def replace_source(self, location: str, events: Iterable[Event], at: datetime, format: str | None = None) -> int:
        """Make ``events`` the whole of ``location``'s events, at once for readers; returns how many."""
        generation = new_generation(self._wall_clock())
        stored = [_as_stored(location, event) for event in events]
        rows = [_to_values(generation, event) for event in stored]
        summary = summarize(stored)
        try:
            self._stage(rows)
            previous = self._switch(location, generation, len(rows), at, format, summary)
        except StorageError:
            self._drop_quietly(location, _is_generation(generation))
            raise
        self._cache.put_summary(location, generation, summary)  # no need to read it back
        stale = or_(
            EVENT.generation == previous,
            EVENT.generation < _generations_before(self._wall_clock() - ABANDONED_AFTER),
        )
        self._drop_quietly(location, and_(EVENT.generation != generation, stale))
        return len(rows)

    def _stage(self, rows: list[dict[str, object]]) -> None:
        # One transaction per slice, so that other writers get the lock in between. (With
        # pysqlite, SQLAlchemy's per-row work on the parameters also happens before the
        # INSERT begins the transaction: the lock is held only while SQLite writes.)
        for start in range(0, len(rows), STAGING_ROWS):
            with storage_errors(), self._engine.begin() as connection:
                connection.execute(insert(SCHEDULE_EVENTS), rows[start : start + STAGING_ROWS])

    def _switch(
        self, location: str, generation: int, count: int, at: datetime, format: str | None, summary: SourceSummary
    ) -> int:
        """Make ``generation`` the current one of ``location``; returns the one it replaced."""
        with storage_errors(), self._engine.begin() as connection:
            staged = connection.scalar(select(func.count()).where(EVENT.source == location, _is_generation(generation)))
            if staged != count:  # another instance's clean-up took some: never show half a source
                raise StorageError(f"{count - (staged or 0)} of its {count} new events went missing while stored")
            previous = connection.scalar(select(SOURCE.generation).where(SOURCE.location == location))
            values = {
                "generation": generation, "format": format, "event_count": count,
                "summary": summary_to_json(summary), "loaded_at": at, "attempted_at": at, "problem": None,
            }  # fmt: skip
            if previous is None:
                connection.execute(insert(SCHEDULE_SOURCES).values(location=location, **values))
            else:
                connection.execute(update(SCHEDULE_SOURCES).where(SOURCE.location == location).values(**values))
        return previous or 0

    def _drop_quietly(self, location: str, which: ColumnElement[bool]) -> None:
        """Delete ``location``'s rows matching ``which`` in short transactions.

        Nobody reads them any more, so a failure here only leaves rows that the
        next replacement deletes; it is logged, not raised.
        """
        condition = and_(EVENT.source == location, which)
        try:
            while True:
                with storage_errors(), self._engine.begin() as connection:
                    chosen = select(EVENT.id).where(condition).limit(STAGING_ROWS).scalar_subquery()
                    result = connection.execute(delete(SCHEDULE_EVENTS).where(EVENT.id.in_(chosen)))
                if result.rowcount < STAGING_ROWS:
                    return
        except StorageError as error:
            log.warning("schedule source %s: cannot delete its unused events yet (%s)", location, error)

    def record_failure(self, location: str, problem: str, at: datetime) -> None:
        """Note that ``location`` could not be read; its last good events stay."""
        with storage_errors(), self._engine.begin() as connection:
            known = connection.scalar(select(SOURCE.location).where(SOURCE.location == location))
            if known is None:
                connection.execute(
                    insert(SCHEDULE_SOURCES).values(location=location, event_count=0, attempted_at=at, problem=problem)
                )
            else:
                connection.execute(
                    update(SCHEDULE_SOURCES).where(SOURCE.location == location).values(attempted_at=at, problem=problem)
                )

    def events(self) -> list[Event]:
        """Every current event, by start: for exports and listings, read at each call and never held."""
        current = and_(
            SOURCE.location == EVENT.source,
            SOURCE.generation == EVENT.generation,
        )
        # Columns, not ORM objects: for 63,000 events ORM objects took 1.8 s, plain rows 0.8 s.
        query = select(*_EVENT_COLUMNS).join(SCHEDULE_SOURCES, current).order_by(EVENT.starts_at, EVENT.id)
        with storage_errors(), self._engine.connect() as connection:
            return [_to_event(*columns) for columns in connection.execute(query)]

    def events_near(self, at: datetime) -> list[Event]:
        """The events a question at ``at`` needs, by start, bounded however many are stored.

        Of each kind, project and series, the first ``NEAR_ROWS`` not over at
        ``at`` by start; of each kind and project, the last ``NEAR_ROWS`` over by
        then, by end; each a range of an index. And every source's
        representatives (one event of each series).
        The answer for a minute is kept, so a burst of commands queries once.
        """
        minute = at.replace(second=0, microsecond=0)
        version = self._changes.version()
        kept = self._kept_stamp
        if version is not None and kept is not None and kept[0] == version:
            found = self._cache.window(kept[1], minute)  # nothing was committed since the stamp was read
            if found is not None:
                return found
        with storage_errors(), self._engine.connect() as connection:
            stamp = self._stamp(connection)
            self._kept_stamp = None if version is None else (version, stamp)  # read after the version: never newer
            found = self._cache.window(stamp, minute)
            if found is not None:
                return found
            summaries = self._summaries(connection, stamp)
            window = self._read_near(connection, stamp, summaries, minute)
        self._cache.put_window(stamp, minute, window)
        return list(window)

    def _stamp(self, connection: Connection) -> Stamp:
        """Every source's current generation: one prepared Core statement."""
        return tuple((location, generation) for location, generation in connection.execute(_STAMP).all())

    def _summaries(self, connection: Connection, stamp: Stamp) -> dict[str, SourceSummary]:
        held, missing = self._cache.summaries(stamp)
        if missing:
            stored = dict(
                connection.execute(
                    select(SOURCE.location, SOURCE.summary).where(
                        SOURCE.location.in_([location for location, _ in missing])
                    )
                ).all()
            )
            for location, generation in missing:
                summary = summary_from_json(stored.get(location), location) or _summary_from_rows(
                    connection, location, generation
                )
                self._cache.put_summary(location, generation, summary)
                held[location] = summary
        return held

    def _read_near(
        self, connection: Connection, stamp: Stamp, summaries: dict[str, SourceSummary], at: datetime
    ) -> list[Event]:
        current = set(stamp)
        generations = sorted({generation for _, generation in stamp})
        spans: dict[Group, tuple[datetime, datetime]] = {}
        for summary in summaries.values():
            for group, (first, last) in zip(summary.groups, summary.spans, strict=True):
                earlier, later = spans.get(group, (first, last))
                spans[group] = (min(first, earlier), max(last, later))
        groups = tuple(spans)  # each source's summary is bounded already; bounding the union would drop whole series
        lengths = [summary.longest for summary in summaries.values()]
        longest = None if None in lengths else max((n for n in lengths if n is not None), default=timedelta(0))
        found: dict[Event, tuple[datetime, float]] = {}
        # A group that has ended by ``at`` has nothing ahead; one that starts after it, nothing behind.
        queries = [_ahead(group, generations, at, longest) for group in groups if spans[group][1] >= at]
        behind = dict.fromkeys(group[:2] for group in groups if spans[group][0] <= at)
        queries += [_behind(kind, project, generations, at) for kind, project in behind]
        for statement, values in queries:
            for generation, row_id, *columns in connection.execute(statement, values):
                event = _to_event(*columns)
                if (event.source, generation) in current:  # not another instance's staging
                    found.setdefault(event, (event.start, row_id))
        for summary in summaries.values():
            for event in summary.representatives:
                found.setdefault(event, (event.start, float("inf")))
        return sorted(found, key=found.__getitem__)

    def sources(self) -> list[SourceState]:
        with storage_errors(), self._engine.connect() as connection:
            rows = connection.execute(select(SCHEDULE_SOURCES).order_by(SOURCE.location))
            return [
                SourceState(row.location, row.format, row.event_count, row.loaded_at, row.attempted_at, row.problem)
                for row in rows
            ]


_NEAR_COLUMNS = (EVENT.generation, EVENT.id)
# Every source's current generation: what the cached answers are checked against.
_STAMP = select(SOURCE.location, SOURCE.generation).order_by(SOURCE.location)


def _ahead(
    group: Group, generations: list[int], at: datetime, longest: timedelta | None
) -> tuple[Executable, dict[str, object]]:
    """The group's first events not over at ``at``, by start: one range of the (kind, project, series, start) index."""
    kind, project, series = group
    values: dict[str, object] = {"kind": kind, "project": project, "series": series, "generations": generations}
    values["at"] = at
    if longest is not None:
        values["since"] = at - longest
    return _ahead_statement(project is None, series is None, longest is not None), values


def _behind(
    kind: str, project: str | None, generations: list[int], at: datetime
) -> tuple[Executable, dict[str, object]]:
    """The kind and project's last events over at ``at``, by end: one range of the (kind, project, end) index."""
    values: dict[str, object] = {"kind": kind, "project": project, "generations": generations, "at": at}
    return _behind_statement(project is None), values


def _matches(column: Any, name: str, is_null: bool) -> ColumnElement[bool]:
    return column.is_(None) if is_null else column == bindparam(name)  # type: ignore[no-any-return]


# Built once and run with new values: building a statement cost 2 ms, more than running it.
@functools.cache
def _ahead_statement(no_project: bool, no_series: bool, bounded: bool) -> Select[Any]:
    row = EVENT
    at = bindparam("at", type_=row.starts_at.type)
    # Not over: it ends after ``at``, or is an instant at ``at`` (Event.is_over).
    not_over = or_(row.ends_at > at, and_(row.ends_at == at, row.starts_at == at))
    # What started more than the longest event before ``at`` is over: the index range starts there.
    since = [row.starts_at >= bindparam("since", type_=row.starts_at.type)] if bounded else []
    return (
        select(*_NEAR_COLUMNS, *_EVENT_COLUMNS)
        .where(
            row.kind == bindparam("kind"),
            _matches(row.project, "project", no_project),
            _matches(row.series, "series", no_series),
            row.generation.in_(bindparam("generations", expanding=True)),
            not_over,
            *since,
        )
        .order_by(row.starts_at, row.id)
        .limit(NEAR_ROWS)
    )


@functools.cache
def _behind_statement(no_project: bool) -> Select[Any]:
    row = EVENT
    at = bindparam("at", type_=row.ends_at.type)
    over = or_(row.ends_at < at, and_(row.ends_at == at, row.starts_at < at))
    return (
        select(*_NEAR_COLUMNS, *_EVENT_COLUMNS)
        .where(
            row.kind == bindparam("kind"),
            _matches(row.project, "project", no_project),
            row.generation.in_(bindparam("generations", expanding=True)),
            row.ends_at <= at,  # the index's range; ``over`` is the exact test
            over,
        )
        .order_by(row.ends_at.desc(), row.id.desc())
        .limit(NEAR_ROWS)
    )


def _summary_from_rows(connection: Connection, location: str, generation: int) -> SourceSummary:
    """The summary of a generation stored without one (before migration 0006): from its rows, once."""
    row = EVENT
    mine = and_(row.source == location, row.generation == generation)
    groups = connection.execute(
        select(row.kind, row.project, row.series, func.min(row.starts_at), func.max(row.ends_at))
        .where(mine)
        .group_by(row.kind, row.project, row.series)
    ).all()
    spans = {(kind, project, series): (first, last) for kind, project, series, first, last in groups}
    chosen_groups = bounded_groups(spans)
    chosen = (
        select(func.min(row.id))
        .where(mine)
        .group_by(row.kind, row.series, row.release_id, row.all_day)
        .limit(MAX_REPRESENTATIVES)
    )
    representatives = connection.execute(select(*_EVENT_COLUMNS).where(row.id.in_(chosen.scalar_subquery())))
    return SourceSummary(
        chosen_groups,
        tuple(spans[group] for group in chosen_groups),
        None,  # unknown: near queries then search every earlier event of a group, as correct and slower
        tuple(_to_event(*columns) for columns in representatives),
    )


def _is_generation(generation: int) -> ColumnElement[bool]:
    return EVENT.generation == generation


def _as_stored(location: str, event: Event) -> Event:
    """``event`` as reading it back would give it: from ``location``, its entry cut to the column, in UTC."""
    return replace(
        event,
        source=location,
        entry=event.entry[:255],
        start=event.start.astimezone(UTC),
        end=event.end.astimezone(UTC),
    )


def _to_values(generation: int, event: Event) -> dict[str, object]:
    """One row of ``schedule_events`` as the bulk INSERT takes it: a dict, not an ORM object (a tenth of the work)."""
    return {
        "source": event.source,
        "generation": generation,
        "entry": event.entry,
        "kind": event.kind.value,
        "title": event.title,
        "starts_at": event.start,
        "ends_at": event.end,
        "all_day": event.all_day,
        "series": event.series,
        "release_id": event.release_id,
        "project": event.project,
        "label": event.label,
        "description": event.description,
    }


_EVENT_COLUMNS = (
    EVENT.kind,
    EVENT.title,
    EVENT.starts_at,
    EVENT.ends_at,
    EVENT.source,
    EVENT.entry,
    EVENT.all_day,
    EVENT.series,
    EVENT.release_id,
    EVENT.project,
    EVENT.label,
    EVENT.description,
)


def _to_event(
    kind: str,
    title: str,
    start: datetime,
    end: datetime,
    source: str,
    entry: str,
    all_day: bool,
    series: str | None,
    release_id: str | None,
    project: str | None,
    label: str | None,
    description: str | None = None,
) -> Event:
    return Event(
        kind=Kind(kind),
        title=title,
        start=start,
        end=end,
        source=source,
        entry=entry,
        all_day=all_day,
        series=series,
        release_id=release_id,
        project=project,
        label=label,
        description=description,
    )

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

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    TextClause,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Dialect, Engine

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
from successbot.storage.tables import SCHEDULE_EVENTS, SCHEDULE_SOURCES, UTCDateTime

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
        self._plan: _NearPlan | None = None  # the statements of events_near, for the last stamp read

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
        plan = self._plan
        if plan is None or plan.stamp != stamp:
            # Built once per stamp, run for every new minute.
            plan = self._plan = _near_plan(stamp, summaries, _instants(connection.dialect))
        values = {"at": plan.instant(at)}
        if plan.longest is not None:
            values["since"] = plan.instant(at - plan.longest)
        arms: list[list[Any]] = [[] for _ in range(plan.arms)]
        for statement in plan.statements:
            for arm, *row in connection.execute(statement, values):
                arms[arm].append(row)
        found: dict[Event, tuple[datetime, float]] = {}
        # First wins, arm by arm in the order the separate queries ran in: each ahead arm by start, then each
        # behind arm by end, latest first (a UNION ALL promises no order of its own, so it is put back here).
        for index, rows in enumerate(arms):
            if index < plan.behind_from:
                rows.sort(key=lambda row: (row[4], row[1]))  # starts_at, id
            else:
                rows.sort(key=lambda row: (row[5], row[1]), reverse=True)  # ends_at, id
            for generation, row_id, *columns in rows:
                if (columns[4], generation) in plan.current:  # its source's current one, not another's staging
                    event = _to_event(*columns)
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
# Arms of one UNION ALL: SQLite takes at most 500 terms in a compound SELECT, and before 3.32 at most 999
# parameters in a statement (a repeated name counts each time); an arm binds at most 9.
ARMS_PER_STATEMENT = 100


@dataclass(frozen=True)
class _NearPlan:
    """The statements that read the events near any instant for one stamp, and how to read their rows.

    One arm per query that ran on its own before (each group's next events, then each kind and project's
    last ones), in that order, its rows tagged with its index. An arm whose group is wholly over by the
    instant, or wholly after it, is switched off by a test of parameters alone, which SQLite and PostgreSQL
    make once before reading any row: one statement serves every instant, and stays as it is until the
    stamp changes.
    """

    stamp: Stamp
    current: frozenset[tuple[str, int]]
    longest: timedelta | None  # None: unknown, and the ahead arms search every earlier event of their group
    arms: int
    behind_from: int  # the arms before it are ahead arms
    statements: tuple[TextClause, ...]
    instant: Callable[[datetime], object]  # an instant as the driver takes it


def _instants(dialect: Dialect) -> Callable[[datetime], object]:
    """What SQLAlchemy makes of an instant for ``dialect``'s driver, done once for each value.

    The statements bind an instant many times over (each arm compares with it), and SQLAlchemy
    converted each occurrence anew: 1,300 conversions were a third of a call. So the statements take
    them as they are, converted here.
    """
    process = UTCDateTime().bind_processor(dialect)
    return (lambda instant: instant) if process is None else process


def _near_plan(stamp: Stamp, summaries: dict[str, SourceSummary], instant: Callable[[datetime], object]) -> _NearPlan:
    """The statements of ``events_near`` for ``stamp``.

    Written as text around the table's column names: as Core, 215 arms took 0.5 s to build and 0.8 s
    to compile, for every new stamp; as text, milliseconds.
    """
    spans: dict[Group, tuple[datetime, datetime]] = {}
    for summary in summaries.values():
        for group, (first, last) in zip(summary.groups, summary.spans, strict=True):
            earlier, later = spans.get(group, (first, last))
            spans[group] = (min(first, earlier), max(last, later))
    # Each source's summary is bounded already; bounding the union would drop whole series.
    lengths = [summary.longest for summary in summaries.values()]
    longest = None if None in lengths else max((n for n in lengths if n is not None), default=timedelta(0))
    # Our own integers, written into the statement: a list bound anew at each run cost more than the query.
    generations = ", ".join(str(int(generation)) for generation in sorted({g for _, g in stamp}))
    arms: list[tuple[str, dict[str, object]]] = []
    for group, (_, last) in spans.items():
        arms.append(_ahead(len(arms), group, last, generations, longest is not None))
    firsts: dict[tuple[str, str | None], datetime] = {}
    for (kind, project, _), (first, _) in spans.items():
        firsts[kind, project] = min(first, firsts.get((kind, project), first))
    for (kind, project), first in firsts.items():
        arms.append(_behind(len(arms), kind, project, first, generations))
    statements = []
    for start in range(0, len(arms), ARMS_PER_STATEMENT):
        chunk = arms[start : start + ARMS_PER_STATEMENT]
        constants = [
            bindparam(name, instant(value) if isinstance(value, datetime) else value)
            for _, values in chunk
            for name, value in values.items()
        ]
        if longest is not None and start < len(spans):  # it holds ahead arms
            constants.append(bindparam("since"))
        statement = text(" UNION ALL ".join(sql for sql, _ in chunk)).bindparams(bindparam("at"), *constants)
        statements.append(statement.columns(column("arm", Integer()), *_NEAR_COLUMNS, *_EVENT_COLUMNS))
    return _NearPlan(stamp, frozenset(stamp), longest, len(arms), len(spans), tuple(statements), instant)


def _matches(name: str, value: str | None, arm: int, values: dict[str, object]) -> str:
    if value is None:
        return f"{name} IS NULL"
    values[f"{name}_{arm}"] = value
    return f"{name} = :{name}_{arm}"


def _arm(arm: int, where: list[str], order: str) -> str:
    # Wrapped, so that its ORDER BY and LIMIT are its own.
    conditions = " AND ".join(where)
    return (
        f"SELECT * FROM (SELECT {arm} AS arm, {_ARM_COLUMNS} FROM {SCHEDULE_EVENTS.name} WHERE {conditions}"
        f" ORDER BY {order} LIMIT {NEAR_ROWS}) AS arm_{arm}"
    )


def _ahead(arm: int, group: Group, last: datetime, generations: str, bounded: bool) -> tuple[str, dict[str, object]]:
    """The group's first events not over at ``at``, by start: one range of the (kind, project, series, start) index."""
    kind, project, series = group
    values: dict[str, object] = {f"last_{arm}": last}
    where = [
        f":at <= :last_{arm}",  # a group over by ``at`` has nothing ahead
        _matches("kind", kind, arm, values),
        _matches("project", project, arm, values),
        _matches("series", series, arm, values),
        f"generation IN ({generations})",
        # Not over: it ends after ``at``, or is an instant at ``at`` (Event.is_over).
        "(ends_at > :at OR (ends_at = :at AND starts_at = :at))",
    ]
    if bounded:  # what started more than the longest event before ``at`` is over: the index range starts there
        where.append("starts_at >= :since")
    return _arm(arm, where, "starts_at, id"), values


def _behind(
    arm: int, kind: str, project: str | None, first: datetime, generations: str
) -> tuple[str, dict[str, object]]:
    """The kind and project's last events over at ``at``, by end: one range of the (kind, project, end) index."""
    values: dict[str, object] = {f"first_{arm}": first}
    where = [
        f":first_{arm} <= :at",  # a kind and project starting after ``at`` have nothing behind
        _matches("kind", kind, arm, values),
        _matches("project", project, arm, values),
        f"generation IN ({generations})",
        "ends_at <= :at",  # the index's range; the next test is the exact one
        "(ends_at < :at OR (ends_at = :at AND starts_at < :at))",
    ]
    return _arm(arm, where, "ends_at DESC, id DESC"), values


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
# events_near's arms read these, in this order
_ARM_COLUMNS = ", ".join(name.name for name in (*_NEAR_COLUMNS, *_EVENT_COLUMNS))


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

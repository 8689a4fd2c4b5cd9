"""The schedule kept in SQL: every source's last good events, shared by every bot instance.

Replacing a source's events is one transaction, so readers see the old set
or the new one, never half; a source that fails keeps its events and gets
its problem recorded. Database failures come out as ``StorageError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from successbot.core.ports import SourceState
from successbot.schedules.model import Event, Kind
from successbot.storage.errors import storage_errors
from successbot.storage.models import ScheduleEventRow, ScheduleSourceRow


class SqlScheduleStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # events() is asked at every !deadline and every announcement check; reading
        # every row each time cost most of a reply. The cache is checked against a
        # cheap stamp of the tables, so a refresh by another instance is seen too.
        self._cached: tuple[object, list[Event]] | None = None

    def replace_source(self, location: str, events: Iterable[Event], at: datetime, format: str | None = None) -> int:
        """Make ``events`` the whole of ``location``'s events, in one transaction; returns how many."""
        rows = [_to_row(location, event) for event in events]
        with storage_errors():
            with self._sessions.begin() as session:
                session.execute(delete(ScheduleEventRow).where(ScheduleEventRow.source == location))
                session.add_all(rows)
                state = session.get(ScheduleSourceRow, location) or ScheduleSourceRow(location=location)
                state.format, state.event_count = format, len(rows)
                # Strictly later than the last load, even at the same instant: the stamp
                # that events() checks its cache against must change with every replacement.
                if state.loaded_at is not None and at <= state.loaded_at:
                    at = state.loaded_at + timedelta(microseconds=1)
                state.loaded_at = state.attempted_at = at
                state.problem = None
                session.add(state)
            self._cached = None
        return len(rows)

    def record_failure(self, location: str, problem: str, at: datetime) -> None:
        """Note that ``location`` could not be read; its last good events stay."""
        with storage_errors(), self._sessions.begin() as session:
            state = session.get(ScheduleSourceRow, location)
            if state is None:
                state = ScheduleSourceRow(location=location, event_count=0)
                session.add(state)
            state.attempted_at, state.problem = at, problem

    def events(self) -> list[Event]:
        query = select(ScheduleEventRow).order_by(ScheduleEventRow.starts_at, ScheduleEventRow.id)
        with storage_errors(), self._sessions() as session:
            stamp = (
                *session.execute(select(func.count(ScheduleEventRow.id), func.max(ScheduleEventRow.id))).one(),
                session.scalar(select(func.max(ScheduleSourceRow.loaded_at))),
            )
            cached = self._cached
            if cached is not None and cached[0] == stamp:
                return list(cached[1])
            events = [_to_event(row) for row in session.scalars(query)]
        self._cached = (stamp, events)
        return list(events)

    def sources(self) -> list[SourceState]:
        with storage_errors(), self._sessions() as session:
            rows = session.scalars(select(ScheduleSourceRow).order_by(ScheduleSourceRow.location))
            return [
                SourceState(row.location, row.format, row.event_count, row.loaded_at, row.attempted_at, row.problem)
                for row in rows
            ]


def _to_row(location: str, event: Event) -> ScheduleEventRow:
    return ScheduleEventRow(
        source=location,
        entry=event.entry[:255],
        kind=event.kind.value,
        title=event.title,
        starts_at=event.start,
        ends_at=event.end,
        all_day=event.all_day,
        series=event.series,
        release_id=event.release_id,
        project=event.project,
        label=event.label,
    )


def _to_event(row: ScheduleEventRow) -> Event:
    return Event(
        kind=Kind(row.kind),
        title=row.title,
        start=row.starts_at,
        end=row.ends_at,
        source=row.source,
        entry=row.entry,
        all_day=row.all_day,
        series=row.series,
        release_id=row.release_id,
        project=row.project,
        label=row.label,
    )

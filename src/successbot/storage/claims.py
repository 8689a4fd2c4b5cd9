"""Claims on announcements in the database: how two instances, or one restarted, post each exactly once.

An announcement is claimed before it is sent (an insert under the unique
key, in its own transaction) and marked sent after. A claim whose sender
died is taken over once it is older than ``stale_after``; the takeover is
one conditional UPDATE, so only one instance can win it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from successbot.announcements.plan import Announcement
from successbot.core.ports import CLAIMED, SENT, SKIPPED, AnnouncementRecord, StorageError
from successbot.storage.errors import database_reason
from successbot.storage.tables import ANNOUNCEMENTS

T = TypeVar("T")
A = ANNOUNCEMENTS.c


class SqlAnnouncementStore:
    """``AnnouncementClaims`` in SQL: the unique key of a row is the claim."""

    def __init__(self, engine: Engine, instance: str, stale_after: timedelta) -> None:
        self._engine = engine
        self.instance, self.stale_after = instance, stale_after

    def records_since(self, since: datetime) -> dict[str, AnnouncementRecord]:
        """What is known of the announcements due at or after ``since``, by key."""
        query = select(A.key, A.status, A.claimed_at, A.note).where(A.due_at >= since)
        with self._engine.connect() as connection:
            rows = connection.execute(query)
            return {row.key: AnnouncementRecord(row.key, row.status, row.claimed_at, row.note) for row in rows}

    def is_settled(self, record: AnnouncementRecord | None, now: datetime) -> bool:
        """Sent, skipped, or claimed recently enough that its sender may still be at it."""
        if record is None:
            return False
        return record.status != CLAIMED or now - record.claimed_at < self.stale_after

    def claim(self, announcement: Announcement, now: datetime) -> bool:
        """True when this instance may send it: a fresh claim, or a stale one taken over."""
        try:
            self._write(
                lambda connection: connection.execute(insert(ANNOUNCEMENTS), self._row(announcement, CLAIMED, now))
            )
            return True
        except IntegrityError:
            pass
        takeover = (
            update(ANNOUNCEMENTS)
            .where(A.key == announcement.key, A.status == CLAIMED, A.claimed_at <= now - self.stale_after)
            .values(claimed_by=self.instance, claimed_at=now)
        )
        return self._write(lambda connection: connection.execute(takeover).rowcount) == 1

    def mark_sent(self, announcement: Announcement, now: datetime, text: str) -> None:
        self._finish(announcement, SENT, now, text=text)

    def mark_skipped(self, announcement: Announcement, now: datetime, note: str) -> None:
        """Skip one this instance has claimed."""
        self._finish(announcement, SKIPPED, now, note=note)

    def skip(self, announcement: Announcement, now: datetime, note: str) -> bool:
        """Record as skipped one nobody claimed (or whose claim went stale); False if someone else has it."""
        if not self.claim(announcement, now):
            return False
        self.mark_skipped(announcement, now, note)
        return True

    def release(self, announcement: Announcement) -> None:
        """Give a claim back (sending failed), so that it is tried again."""
        query = delete(ANNOUNCEMENTS).where(A.key == announcement.key, A.claimed_by == self.instance)
        self._write(lambda connection: connection.execute(query))

    def _finish(self, announcement: Announcement, status: str, now: datetime, **values: str) -> None:
        query = (
            update(ANNOUNCEMENTS)
            .where(A.key == announcement.key, A.claimed_by == self.instance)
            .values(status=status, sent_at=now if status == SENT else None, **values)
        )
        self._write(lambda connection: connection.execute(query))

    def _row(self, announcement: Announcement, status: str, now: datetime) -> dict[str, object]:
        return {
            "key": announcement.key, "kind": announcement.kind, "channel": announcement.channel,
            "network": announcement.network, "due_at": announcement.due, "subject": announcement.subject,
            "status": status, "claimed_by": self.instance, "claimed_at": now,
        }  # fmt: skip

    def _write(self, change: Callable[[Connection], T]) -> T:
        try:
            with self._engine.begin() as connection:
                return change(connection)
        except IntegrityError:
            raise  # someone else holds the claim: claim() decides what that means
        except SQLAlchemyError as error:
            raise StorageError(database_reason(error)) from error

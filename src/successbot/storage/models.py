"""The database tables, as SQLAlchemy 2.x typed models.

Alembic migrations in ``migrations/`` create exactly these; a test compares
the two. ``SCHEMA_REVISION`` names the migration that matches the models, so
a running bot can tell whether the schema is current without importing Alembic.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from successbot.core.successes import SUCCESS

SCHEMA_REVISION = "0008"

# Stable constraint names, so that SQLite's batch migrations can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC and always read back as aware UTC.

    SQLite keeps no time zone, and PostgreSQL's ``timestamp with time zone``
    would convert to the session's zone; storing naive UTC behaves the same
    everywhere.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: times in successbot are aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SuccessRow(Base):
    """One ``#success`` or ``#thanks`` (``kind``). Deleting sets ``deleted_at``/``deleted_by``; rows are never removed.

    A thanks is recorded like a success (who, account, channel, time,
    network) and deleted and published by the same rules, so it is a row of
    its own kind here, not a table of its own: one id sequence, one store.
    ``thanked`` is the nick thanked, when one was named.
    """

    __tablename__ = "successes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    nick: Mapped[str] = mapped_column(String(64))
    account: Mapped[str | None] = mapped_column(String(64))
    userhost: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(64))
    network: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=SUCCESS, server_default=SUCCESS)
    thanked: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        # !successes: the newest rows of one channel.
        Index("ix_successes_channel_id", "channel", "id"),
        # exports: a week of rows, oldest first.
        Index("ix_successes_created_at", "created_at"),
    )


class ScheduleEventRow(Base):
    """One event of a schedule source, of one generation of it.

    A refresh writes the new events under a new ``generation`` in short
    transactions, then makes it the source's current one in a single short
    transaction; only rows of their source's current generation are events.
    """

    __tablename__ = "schedule_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(1000))
    entry: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    all_day: Mapped[bool] = mapped_column(Boolean)
    series: Mapped[str | None] = mapped_column(String(64))
    release_id: Mapped[str | None] = mapped_column(String(32))
    project: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)  # what the source says of it, for the digest
    generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (
        # replacing one source's events: counting the new generation, dropping the old
        Index("ix_schedule_events_source_generation", "source", "generation"),
        # what is still ahead at a time
        Index("ix_schedule_events_ends_at", "ends_at"),
        # the events near an instant: the next ones of a kind, project and series by start, ...
        Index("ix_schedule_events_kind_project_series_starts_at", "kind", "project", "series", "starts_at"),
        # ... and the last ones of a kind and project by end
        Index("ix_schedule_events_kind_project_ends_at", "kind", "project", "ends_at"),
    )


class ScheduleSourceRow(Base):
    """A schedule source and how its last refresh went; its events stay while a refresh fails."""

    __tablename__ = "schedule_sources"

    location: Mapped[str] = mapped_column(String(1000), primary_key=True)
    format: Mapped[str | None] = mapped_column(String(32))
    event_count: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    problem: Mapped[str | None] = mapped_column(Text)
    generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # its events' current one
    # JSON, written with the generation: its kinds and projects, its longest event, one event of each series
    summary: Mapped[str | None] = mapped_column(Text)


class AnnouncementRow(Base):
    """One announcement, claimed before it is sent: the unique key is what makes it exactly once.

    ``status`` is ``claimed`` (an instance is sending it), ``sent``, or
    ``skipped`` (missed while down, an empty week); ``note`` says why.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(64))
    network: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str] = mapped_column(String(128))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # which planned announcements are already taken, over a recent window
        Index("ix_announcements_due_at", "due_at"),
    )


class ChannelPrivacyRow(Base):
    """Whether a channel was keyed, secret or private (+k, +s, +p) when the bot last saw its modes.

    The bot writes it; the pages and exports, in this process or another with
    no IRC connection, read it to leave such channels' successes out.
    ``channel`` is the name as the server spelled it, ``channel_key`` the
    name as channels compare (lower case by IRC's rules).
    """

    __tablename__ = "channel_privacy"

    network: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    private: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

"""The database tables as SQLAlchemy 2.x typed models, mapped onto the tables of ``tables``.

The tables are declared once, in ``tables`` (Core); these classes give them
``Mapped[...]`` attributes for Alembic (``Base.metadata``), the tests and
anyone who wants objects. The stores use the tables themselves: a running
bot never loads the ORM.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from successbot.storage import tables
from successbot.storage.tables import NAMING_CONVENTION as NAMING_CONVENTION
from successbot.storage.tables import SCHEMA_REVISION as SCHEMA_REVISION
from successbot.storage.tables import UTCDateTime as UTCDateTime


class Base(DeclarativeBase):
    metadata = tables.METADATA


class SuccessRow(Base):
    """One ``#success`` or ``#thanks`` (``kind``); see ``tables.SUCCESSES``."""

    __table__ = tables.SUCCESSES

    id: Mapped[int]
    text: Mapped[str]
    nick: Mapped[str]
    account: Mapped[str | None]
    userhost: Mapped[str | None]
    channel: Mapped[str]
    network: Mapped[str]
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[str | None]
    kind: Mapped[str]
    thanked: Mapped[str | None]


class ScheduleEventRow(Base):
    """One event of a schedule source, of one generation of it; see ``tables.SCHEDULE_EVENTS``."""

    __table__ = tables.SCHEDULE_EVENTS

    id: Mapped[int]
    source: Mapped[str]
    entry: Mapped[str]
    kind: Mapped[str]
    title: Mapped[str]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    all_day: Mapped[bool]
    series: Mapped[str | None]
    release_id: Mapped[str | None]
    project: Mapped[str | None]
    label: Mapped[str | None]
    description: Mapped[str | None]
    generation: Mapped[int]


class ScheduleSourceRow(Base):
    """A schedule source and how its last refresh went; see ``tables.SCHEDULE_SOURCES``."""

    __table__ = tables.SCHEDULE_SOURCES

    location: Mapped[str]
    format: Mapped[str | None]
    event_count: Mapped[int]
    loaded_at: Mapped[datetime | None]
    attempted_at: Mapped[datetime]
    problem: Mapped[str | None]
    generation: Mapped[int]
    summary: Mapped[str | None]


class AnnouncementRow(Base):
    """One announcement, claimed before it is sent; see ``tables.ANNOUNCEMENTS``."""

    __table__ = tables.ANNOUNCEMENTS

    id: Mapped[int]
    key: Mapped[str]
    kind: Mapped[str]
    channel: Mapped[str]
    network: Mapped[str]
    due_at: Mapped[datetime]
    subject: Mapped[str]
    status: Mapped[str]
    claimed_by: Mapped[str]
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    text: Mapped[str | None]
    note: Mapped[str | None]


class ChannelPrivacyRow(Base):
    """Whether a channel was keyed, secret or private when the bot last saw it; see ``tables.CHANNEL_PRIVACY``."""

    __table__ = tables.CHANNEL_PRIVACY

    network: Mapped[str]
    channel_key: Mapped[str]
    channel: Mapped[str]
    private: Mapped[bool]
    updated_at: Mapped[datetime]

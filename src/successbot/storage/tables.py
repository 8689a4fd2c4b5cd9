"""The database tables, declared once, in SQLAlchemy Core.

Alembic migrations in ``migrations/`` create exactly these; a test compares
the two. ``SCHEMA_REVISION`` names the migration that matches them, so a
running bot can tell whether the schema is current without importing Alembic.
The stores read and write these tables with Core statements: the ORM
(``models``, typed classes mapped onto the same tables, for Alembic and for
whoever wants objects) is some 6 MB that a running bot does not need.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Dialect
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


METADATA = MetaData(naming_convention=NAMING_CONVENTION)


def _required(name: str, kind: object, **options: object) -> Column[object]:
    return Column(name, kind, nullable=False, **options)  # type: ignore[arg-type]


def _optional(name: str, kind: object) -> Column[object]:
    return Column(name, kind, nullable=True)  # type: ignore[arg-type]


# One #success or #thanks (kind). Deleting sets deleted_at/deleted_by; rows are never removed. A thanks is
# recorded like a success and deleted and published by the same rules: one id sequence, one store.
# ``thanked`` is the nick thanked, when one was named.
SUCCESSES = Table(
    "successes",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _required("text", Text()),
    _required("nick", String(64)),
    _optional("account", String(64)),
    _optional("userhost", String(255)),
    _required("channel", String(64)),
    _required("network", String(64)),
    _required("created_at", UTCDateTime()),
    _optional("deleted_at", UTCDateTime()),
    _optional("deleted_by", String(64)),
    _required("kind", String(16), default=SUCCESS, server_default=SUCCESS),
    _optional("thanked", String(64)),
    # !successes: the newest rows of one channel.
    Index("ix_successes_channel_id", "channel", "id"),
    # exports: a week of rows, oldest first.
    Index("ix_successes_created_at", "created_at"),
)

# One event of a schedule source, of one generation of it. A refresh writes the new events under a new
# generation in short transactions, then makes it the source's current one in a single short transaction;
# only rows of their source's current generation are events.
SCHEDULE_EVENTS = Table(
    "schedule_events",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _required("source", String(1000)),
    _required("entry", String(255)),
    _required("kind", String(32)),
    _required("title", Text()),
    _required("starts_at", UTCDateTime()),
    _required("ends_at", UTCDateTime()),
    _required("all_day", Boolean()),
    _optional("series", String(64)),
    _optional("release_id", String(32)),
    _optional("project", String(64)),
    _optional("label", String(128)),
    _optional("description", Text()),  # what the source says of it, for the digest
    _required("generation", BigInteger(), default=0, server_default="0"),
    # replacing one source's events: counting the new generation, dropping the old
    Index("ix_schedule_events_source_generation", "source", "generation"),
    # what is still ahead at a time
    Index("ix_schedule_events_ends_at", "ends_at"),
    # the events near an instant: the next ones of a kind, project and series by start, ...
    Index("ix_schedule_events_kind_project_series_starts_at", "kind", "project", "series", "starts_at"),
    # ... and the last ones of a kind and project by end
    Index("ix_schedule_events_kind_project_ends_at", "kind", "project", "ends_at"),
)

# A schedule source and how its last refresh went; its events stay while a refresh fails.
SCHEDULE_SOURCES = Table(
    "schedule_sources",
    METADATA,
    Column("location", String(1000), primary_key=True),
    _optional("format", String(32)),
    _required("event_count", Integer()),
    _optional("loaded_at", UTCDateTime()),
    _required("attempted_at", UTCDateTime()),
    _optional("problem", Text()),
    _required("generation", BigInteger(), default=0, server_default="0"),  # its events' current one
    # JSON, written with the generation: its kinds and projects, its longest event, one event of each series
    _optional("summary", Text()),
)

# One announcement, claimed before it is sent: the unique key is what makes it exactly once. ``status`` is
# ``claimed`` (an instance is sending it), ``sent``, or ``skipped`` (missed while down, an empty week);
# ``note`` says why.
ANNOUNCEMENTS = Table(
    "announcements",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _required("key", String(64), unique=True),
    _required("kind", String(16)),
    _required("channel", String(64)),
    _required("network", String(64)),
    _required("due_at", UTCDateTime()),
    _required("subject", Text()),
    _required("status", String(16)),
    _required("claimed_by", String(128)),
    _required("claimed_at", UTCDateTime()),
    _optional("sent_at", UTCDateTime()),
    _optional("text", Text()),
    _optional("note", Text()),
    # which planned announcements are already taken, over a recent window
    Index("ix_announcements_due_at", "due_at"),
)

# Whether a channel was keyed, secret or private (+k, +s, +p) when the bot last saw its modes. The bot writes
# it; the pages and exports, in this process or another with no IRC connection, read it to leave such
# channels' successes out. ``channel`` is the name as the server spelled it, ``channel_key`` the name as
# channels compare (lower case by IRC's rules).
CHANNEL_PRIVACY = Table(
    "channel_privacy",
    METADATA,
    Column("network", String(64), primary_key=True),
    Column("channel_key", String(64), primary_key=True),
    _required("channel", String(64)),
    _required("private", Boolean()),
    _required("updated_at", UTCDateTime()),
)

"""Engines, and keeping the schema current with the Alembic migrations.

Alembic is imported only when the schema must change or be inspected by
hand, so a bot whose database is current starts without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from successbot.storage.tables import SCHEMA_REVISION

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a SQLite write waits for another writer's lock
# Any fixed number: instances sharing one PostgreSQL database upgrade it one at a time.
UPGRADE_LOCK_ID = 0x5CCE55B07


class SchemaOutOfDate(Exception):
    """The database's schema is not the one this version of successbot needs."""


PAGE_CACHE_KIB = 512


def make_engine(url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout of ``busy_timeout`` seconds."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        options["poolclass"] = StaticPool  # one shared connection, or each would see its own empty database
    else:
        # The connection returned last is handed out next: the threads that rarely overlap reuse one or two
        # connections, whose page caches stay warm, instead of warming all of the pool's in turn.
        options["pool_use_lifo"] = True
    engine = create_engine(url, **options)
    timeout_ms = max(1, round(busy_timeout * 1000))

    def configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a commit survives a crash of the process
        # 512 KiB of page cache per connection, not SQLite's 2 MiB: the pool's connections each filled theirs under
        # a flood of #success (1.3 MiB of the bot's growth over 10,000), and a page not cached is in the OS's.
        cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        cursor.close()

    event.listen(engine, "connect", configure)
    return engine


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed package, or the source tree's ``migrations/``."""
    packaged = Path(__file__).parents[1] / "migrations"
    if (packaged / "env.py").is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "migrations"


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, read without Alembic; None for an empty database."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with _upgrade_lock(engine):
        command.upgrade(alembic_config(engine), revision)


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one upgrade at a time: bot instances sharing a database may start together.

    The second waits, then finds the schema current and has nothing to do.
    SQLite needs no lock: its migrations run in one write transaction.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({UPGRADE_LOCK_ID})")
        connection.commit()
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({UPGRADE_LOCK_ID})")
            connection.commit()


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def ensure_schema(engine: Engine, auto_upgrade: bool) -> None:
    """Make sure the schema is the one the models describe, upgrading if allowed."""
    revision = current_revision(engine)
    if revision == SCHEMA_REVISION:
        return
    if not auto_upgrade:
        raise SchemaOutOfDate(
            f"the database is at revision {revision or 'none (empty)'}, this successbot needs "
            f"{SCHEMA_REVISION}; run 'successbot db upgrade' or set [database] auto_upgrade = true"
        )
    log.info("upgrading the database schema from %s to %s", revision or "empty", SCHEMA_REVISION)
    upgrade(engine)  # Alembic reads the revision again under the lock: another instance may have upgraded

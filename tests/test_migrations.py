"""The Alembic migrations against a real SQLite file and a real PostgreSQL: up, down, and agreeing with the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from pgserver import BACKENDS
from successbot.storage.database import (
    SchemaOutOfDate,
    alembic_config,
    current_revision,
    downgrade,
    ensure_schema,
    make_engine,
    upgrade,
)
from successbot.storage.models import SCHEMA_REVISION, Base

on_every_backend = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def empty_engine(empty_database_url):
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


@on_every_backend
def test_upgrade_empty_database_to_head_and_back_to_base(empty_engine):
    upgrade(empty_engine)
    assert current_revision(empty_engine) == SCHEMA_REVISION
    assert "successes" in inspect(empty_engine).get_table_names()
    downgrade(empty_engine, "base")
    assert current_revision(empty_engine) is None
    assert inspect(empty_engine).get_table_names() == ["alembic_version"]
    upgrade(empty_engine)
    assert current_revision(empty_engine) == SCHEMA_REVISION


@on_every_backend
def test_models_and_migrations_do_not_drift(empty_engine):
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    command.check(alembic_config(empty_engine))  # Alembic's own verdict: raises on any difference


@on_every_backend
def test_schema_revision_constant_is_the_migrations_head(empty_engine):
    assert ScriptDirectory.from_config(alembic_config(empty_engine)).get_heads() == [SCHEMA_REVISION]


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(empty_engine):
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


@on_every_backend
def test_start_upgrades_an_empty_database_when_allowed(empty_engine):
    ensure_schema(empty_engine, auto_upgrade=True)
    assert current_revision(empty_engine) == SCHEMA_REVISION


@on_every_backend
def test_start_refuses_an_old_schema_when_upgrades_are_off(empty_engine):
    with pytest.raises(SchemaOutOfDate, match="successbot db upgrade"):
        ensure_schema(empty_engine, auto_upgrade=False)
    assert current_revision(empty_engine) is None

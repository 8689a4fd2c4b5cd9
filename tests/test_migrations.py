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


def test_sqlite_runs_with_wal_foreign_keys_a_busy_timeout_and_a_small_page_cache(empty_engine):
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -512  # KiB, where SQLite's default is 2 MiB


@on_every_backend
def test_start_upgrades_an_empty_database_when_allowed(empty_engine):
    ensure_schema(empty_engine, auto_upgrade=True)
    assert current_revision(empty_engine) == SCHEMA_REVISION


@on_every_backend
def test_start_refuses_an_old_schema_when_upgrades_are_off(empty_engine):
    with pytest.raises(SchemaOutOfDate, match="successbot db upgrade"):
        ensure_schema(empty_engine, auto_upgrade=False)
    assert current_revision(empty_engine) is None


@on_every_backend
def test_schedule_events_stored_before_generations_stay_visible(empty_engine):
    from datetime import UTC, datetime

    from sqlalchemy import text

    from successbot.storage.schedule import SqlScheduleStore

    upgrade(empty_engine, "0003")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO schedule_events (source, entry, kind, title, starts_at, ends_at, all_day) "
                "VALUES ('a.yaml', 'events[0]', 'freeze', 'Feature freeze', :at, :at, false)"
            ),
            {"at": datetime(2027, 2, 18)},
        )
        connection.execute(
            text("INSERT INTO schedule_sources (location, event_count, attempted_at) VALUES ('a.yaml', 1, :at)"),
            {"at": datetime(2027, 1, 1)},
        )
    upgrade(empty_engine)
    store = SqlScheduleStore(empty_engine)
    assert [event.title for event in store.events()] == ["Feature freeze"]
    (kept,) = store.events()
    store.replace_source("a.yaml", [kept, kept], datetime(2027, 1, 2, tzinfo=UTC))
    with empty_engine.begin() as connection:  # what a staging cut short leaves: rows of no current generation
        connection.execute(
            text("UPDATE schedule_events SET generation = 7 WHERE id = (SELECT max(id) FROM schedule_events)")
        )
    assert len(SqlScheduleStore(empty_engine).events()) == 1  # read from the database, not this store's cache
    downgrade(empty_engine, "0003")  # keeps the events, not the leftovers
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT title FROM schedule_events")).scalars().all() == ["Feature freeze"]


@on_every_backend
def test_channel_privacy_is_added_beside_existing_successes_and_removed_again(empty_engine):
    from datetime import UTC, datetime

    from sqlalchemy import text

    from successbot.storage.channel_privacy import SqlChannelPrivacyStore

    upgrade(empty_engine, "0004")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO successes (text, nick, channel, network, created_at) "
                "VALUES ('fixed the gate', 'alice', '#secret', 'TestNet', :at)"
            ),
            {"at": datetime(2016, 3, 14)},
        )
    upgrade(empty_engine)
    privacy = SqlChannelPrivacyStore(empty_engine)
    assert privacy.private_channels() == frozenset()  # nothing known: nothing hidden, as before the upgrade
    at = datetime(2016, 3, 14, tzinfo=UTC)
    privacy.record("TestNet", "#Secret", True, at)
    privacy.record("TestNet", "#secret", True, at)  # the same channel, as channels compare: one row
    privacy.record("OtherNet", "#dev", False, at)
    assert privacy.private_channels() == {"#secret"}
    privacy.record("TestNet", "#SECRET", False, at)
    assert privacy.private_channels() == frozenset()
    downgrade(empty_engine, "0004")
    assert "channel_privacy" not in inspect(empty_engine).get_table_names()
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM successes")).scalar() == 1


@on_every_backend
def test_thanks_are_added_to_a_database_with_successes_in_place_and_removed_again(empty_engine):
    from datetime import UTC, datetime

    from sqlalchemy import text

    from successbot.core.successes import THANKS, NewSuccess
    from successbot.storage.successes import SqlSuccessStore

    upgrade(empty_engine, "0006")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO successes (text, nick, account, userhost, channel, network, created_at) "
                "VALUES ('fixed the gate', 'alice', 'alice', 'a@example.org', '#dev', 'TestNet', :at)"
            ),
            {"at": datetime(2016, 3, 14, 10)},
        )
    upgrade(empty_engine)
    store = SqlSuccessStore(empty_engine)
    (old,) = store.latest(5, kind=None)  # kept, and a success: the column's default
    assert (old.id, old.kind, old.thanked, old.text, old.account) == (1, "success", None, "fixed the gate", "alice")
    at = datetime(2016, 3, 14, 11, tzinfo=UTC)
    thanks = store.add(NewSuccess("the review", "alice", "#dev", at, kind=THANKS, thanked="bob"))
    assert thanks.id == 2 and [s.text for s in store.between(at, at.replace(hour=12), kind=THANKS)] == ["the review"]
    assert [s.text for s in store.recent("#dev", 5)] == ["fixed the gate"]
    downgrade(empty_engine, "0006")  # the old schema cannot tell a thanks from a success: they go
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM successes")).scalars().all() == ["fixed the gate"]
        assert "kind" not in {column["name"] for column in inspect(empty_engine).get_columns("successes")}

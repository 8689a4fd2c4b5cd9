"""successbot db copy --to URL: moving a community from SQLite to PostgreSQL, run in process (cli_runner)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from cli_runner import assert_one_clean_error_line
from cli_runner import run_cli as run
from harness import OPENSTACK_DATA
from successbot.core.successes import NewSuccess
from successbot.schedules.sources import load_location
from successbot.storage.database import make_engine
from successbot.storage.models import Base
from successbot.storage.schedule import SqlScheduleStore
from successbot.storage.successes import SqlSuccessStore

pytestmark = pytest.mark.postgresql


@pytest.fixture
def fill_sqlite(migrated_template):
    """successbot.db in the test's directory: three successes (#2 deleted) and a release schedule."""

    def fill(directory) -> None:
        path = directory / "successbot.db"
        path.write_bytes(migrated_template.read_bytes())
        engine = make_engine(f"sqlite:///{path}")
        store = SqlSuccessStore(engine)
        for number in (1, 2, 3):
            at = datetime(2016, 3, 13 + number, 9 + number, tzinfo=UTC)
            store.add(NewSuccess(f"number {number}", "alice", "#dev", at, account="alice", network="OFTC"))
        store.mark_deleted(2, by="alice", at=datetime(2016, 3, 16, 12, 5, tzinfo=UTC))
        schedule = load_location(str(OPENSTACK_DATA / "releases" / "indri" / "schedule.yaml"))
        SqlScheduleStore(engine).replace_source("indri", schedule.events, datetime(2026, 11, 28, tzinfo=UTC))
        engine.dispose()

    return fill


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_copy_to_postgresql_keeps_every_row_and_the_bot_carries_on_there(tmp_path, postgres_server, fill_sqlite):
    fill_sqlite(tmp_path)
    target = postgres_server.create_database()
    result = run(tmp_path, "db", "copy", "--to", target)
    assert result.returncode == 0, result.stderr
    before = counts(f"sqlite:///{tmp_path / 'successbot.db'}")
    assert before["successes"] == 3 and before["schedule_events"] > 40
    assert counts(target) == before
    assert "successes: 3 rows copied, 3 in the target" in result.stdout
    assert result.stdout.endswith("every table's row count matches\n")

    engine = make_engine(target)
    copied = SqlSuccessStore(engine).get(2)
    engine.dispose()
    assert (
        copied.text == "number 2" and copied.is_deleted and copied.created_at == datetime(2016, 3, 15, 11, tzinfo=UTC)
    )

    # The id sequence was moved past the copied ids: the next success on PostgreSQL is #4.
    (tmp_path / "pg.ini").write_text(f"[database]\nurl = {target}\n", encoding="utf-8")
    said = run(tmp_path, "--config", "pg.ini", "ask", "--nick", "bob", "--channel", "#dev", "#success on postgres")
    assert said.stdout == "bob: Added success #4\n", said.stderr
    exported = run(tmp_path, "--config", "pg.ini", "export", "--week", "2016-W11").stdout
    assert exported == "  • alice: number 1\n  • alice: number 3\n"
    for network, expected in (("OFTC", exported), ("Libera.Chat", "")):
        only = run(tmp_path, "--config", "pg.ini", "export", "--week", "2016-W11", "--network", network)
        assert only.stdout == expected, network


def test_copy_refuses_a_target_that_holds_rows_unless_told_to_replace_them(tmp_path, postgres_server, fill_sqlite):
    fill_sqlite(tmp_path)
    target = postgres_server.create_database()
    assert run(tmp_path, "db", "copy", "--to", target).returncode == 0
    said = run(tmp_path, "ask", "--nick", "alice", "--at", "2016-03-17T10:00Z", "#success one more")
    assert said.stdout == "alice: Added success #4\n", said.stderr
    line = assert_one_clean_error_line(run(tmp_path, "db", "copy", "--to", target))
    assert "already holds rows in" in line and "--replace" in line
    assert counts(target)["successes"] == 3
    assert run(tmp_path, "db", "copy", "--to", target, "--replace").returncode == 0
    assert counts(target)["successes"] == 4


def test_copy_from_postgresql_back_to_a_new_sqlite_file(tmp_path, postgres_server, fill_sqlite):
    fill_sqlite(tmp_path)
    target = postgres_server.create_database()
    assert run(tmp_path, "db", "copy", "--to", target).returncode == 0
    (tmp_path / "pg.ini").write_text(f"[database]\nurl = {target}\n", encoding="utf-8")
    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert run(tmp_path, "--config", "pg.ini", "db", "copy", "--to", back).returncode == 0
    assert counts(back) == counts(target)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["db", "copy"], "copy needs --to URL"),
        (["db", "upgrade", "--to", "sqlite:///x.db"], "--to goes with copy"),
        (["db", "copy", "--to", "nonsense://"], "--to: expected a database SQLAlchemy knows"),
        (["db", "copy", "--to", "sqlite:///successbot.db"], "the same database"),
        (["db", "copy", "--to", "postgresql+pg8000://sb:hunter2@db.example.org/sb"], "sb:***@db.example.org"),
    ],
)
def test_copy_mistakes_are_one_line(tmp_path, args, expected, fill_sqlite):
    fill_sqlite(tmp_path)
    line = assert_one_clean_error_line(run(tmp_path, *args))
    assert expected in line and "hunter2" not in line

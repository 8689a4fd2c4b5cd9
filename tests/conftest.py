from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from harness import EXAMPLE_SOURCES, EXAMPLE_TIME, Channel, make_core
from pgserver import PostgresServer, start_postgres
from successbot.core.clock import FixedClock
from successbot.schedules.sources import ScheduleService
from successbot.storage.database import make_engine, upgrade
from successbot.storage.schedule import SqlScheduleStore
from successbot.storage.successes import SqlSuccessStore


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated by Alembic; each test gets a copy (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test's ``database_url`` is on; SQLite unless parametrized."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """The name of a PostgreSQL database migrated by Alembic, to clone for each test."""
    url = postgres_server.create_database()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()  # CREATE DATABASE … TEMPLATE needs it unused
    return url.rsplit("/", 1)[1]


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database of the test's own, on ``backend``."""
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        return server.create_database(template=request.getfixturevalue("postgres_template"))
    path = tmp_path / "successbot.db"
    path.write_bytes(request.getfixturevalue("migrated_template").read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the test's own, on ``backend``."""
    if backend == "postgresql":
        return request.getfixturevalue("postgres_server").create_database()
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlSuccessStore:
    return SqlSuccessStore(engine)


@pytest.fixture
def schedule_store(engine: Engine) -> SqlScheduleStore:
    return SqlScheduleStore(engine)


@pytest.fixture
def example_schedule(schedule_store: SqlScheduleStore) -> ScheduleService:
    """The sources the worked examples read; empty until reloaded."""
    return ScheduleService(schedule_store, EXAMPLE_SOURCES)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(EXAMPLE_TIME)


@pytest.fixture
def channel(store: SqlSuccessStore, clock: FixedClock) -> Channel:
    return Channel(make_core(store), clock)


# scripts/test.sh runs the suite on several xdist workers, a module at a time each (``--dist loadfile``), handed
# out in collection order: the longest modules go first, so that the short ones fill in beside them instead of a
# long one starting last and running alone. Longest first as measured on this 2-core machine (2026-12-01).
LONGEST_MODULES = (
    "tests/integration/test_runtime.py",
    "tests/test_schedule_near.py",
    "tests/integration/test_irc_bot.py",
    "tests/test_schedule_truth_prose.py",
    "tests/test_schedule_commands.py",
    "tests/integration/test_outbound_network.py",
    "tests/integration/test_stale_accounts.py",
    "tests/integration/test_delivery.py",
    "tests/test_page_refresh.py",
    "tests/test_announcer.py",
    "tests/test_cli.py",
    "tests/test_digest.py",
    "tests/integration/test_bot_log.py",
    "tests/test_schedule_refresh.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {module: place for place, module in enumerate(LONGEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: modules stay whole


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: nothing may quietly not run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; in CI every test must run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

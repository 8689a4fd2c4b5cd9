from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from successbot.app import build_core
from successbot.clock import FixedClock
from successbot.config import default_config
from successbot.core import Core
from successbot.database import make_engine, upgrade
from successbot.messages import Message, Reply
from successbot.success_store import SqlSuccessStore

# A Monday in ISO week 2016-W11, the week of the Newton PTL nominations.
EXAMPLE_TIME = datetime(2016, 3, 14, 10, 0, tzinfo=UTC)


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
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "successbot.db"
    path.write_bytes(migrated_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlSuccessStore:
    return SqlSuccessStore(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(EXAMPLE_TIME)


class Channel:
    """Say lines in a channel through a real core and database; read the replies."""

    def __init__(self, core: Core, clock: FixedClock, name: str = "#dev") -> None:
        self.core, self.clock, self.name = core, clock, name

    def say(
        self,
        text: str,
        nick: str = "alice",
        account: str | None = "alice",
        userhost: str | None = "alice@example.org",
        private: bool = False,
    ) -> list[str]:
        return [reply.text for reply in self.replies(text, nick, account, userhost, private)]

    def replies(
        self,
        text: str,
        nick: str = "alice",
        account: str | None = "alice",
        userhost: str | None = "alice@example.org",
        private: bool = False,
    ) -> list[Reply]:
        message = Message(
            text=text,
            nick=nick,
            channel=None if private else self.name,
            account=account,
            userhost=userhost,
            network="TestNet",
        )
        return self.core.handle(message, self.clock.now())


def make_core(store: SqlSuccessStore, admins: tuple[str, ...] = ("root",), prefix: str = "!") -> Core:
    base = default_config()
    config = replace(
        base,
        bot=replace(base.bot, command_prefix=prefix, console_channel="#dev"),
        permissions=replace(base.permissions, admins=admins),
    )
    return build_core(config, store)


@pytest.fixture
def channel(store: SqlSuccessStore, clock: FixedClock) -> Channel:
    return Channel(make_core(store), clock)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: nothing may quietly not run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; in CI every test must run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

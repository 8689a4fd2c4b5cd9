"""Wiring: config → database → store → core. Every entry point (console, IRC, CLI) starts here.

The database, the stores and the publisher are imported when ``open_app``
runs, not with this module: ``successbot run`` opens its IRC connection
first and reaches them only after (``runtime.startup``), and the command
line's parser imports this module for ``StartupError`` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from successbot.commands import ALL_COMMANDS
from successbot.config import Config
from successbot.core.commands import CommandTable, Services, admin_set, no_page
from successbot.core.dispatch import Core
from successbot.core.ports import ScheduleStore
from successbot.core.successes import Success
from successbot.publishing.page_urls import week_page_url
from successbot.runtime.errors import StartupError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from successbot.publishing.directory import Publisher
    from successbot.runtime.page_refresh import PageRefresher
    from successbot.schedules.sources import LoadAll, ScheduleService
    from successbot.storage.channel_privacy import SqlChannelPrivacyStore
    from successbot.storage.successes import SqlSuccessStore


@dataclass
class App:
    config: Config
    engine: Engine
    successes: SqlSuccessStore
    core: Core
    schedule: ScheduleService | None = None
    publisher: Publisher | None = None  # when [export] directory is set
    pages: PageRefresher | None = None  # rewrites the publisher's pages after each change, off the reply path
    example_schedule: bool = False  # the schedule is the built-in example, not configured or stored data
    channel_privacy: SqlChannelPrivacyStore | None = None  # which channels the bot saw keyed, secret or private

    def refresh_schedule(self, now: datetime) -> None:
        """Read the configured schedule sources, as the bot does at start and every [schedule] refresh."""
        if self.schedule is not None and self.schedule.locations:
            self.schedule.refresh(now)

    def close(self) -> None:
        if self.pages is not None:
            self.pages.close()  # what is noted is written before the database goes
        self.engine.dispose()


def build_core(
    config: Config,
    successes: SqlSuccessStore,
    schedule: ScheduleService | None = None,
    *,
    on_change: Callable[[Success], None] | None = None,
    channel_privacy: SqlChannelPrivacyStore | None = None,
) -> Core:
    services = Services(
        successes=successes,
        commands=CommandTable(ALL_COMMANDS),
        command_prefix=config.bot.command_prefix,
        admins=admin_set(config.permissions.admins),
        schedule=schedule,
        week_page_url=no_page if config.export.url is None else partial(week_page_url, config.export.url),
        on_change=on_change,
        require_account_for_success=config.permissions.require_account_for_success,
        channel_privacy=channel_privacy,
    )
    return Core(services)


def build_publisher(
    config: Config,
    successes: SqlSuccessStore,
    channel_privacy: SqlChannelPrivacyStore | None = None,
    schedule: ScheduleStore | None = None,
) -> Publisher | None:
    """``schedule``: what the published digests read (never the console's made-up example)."""
    if config.export.directory is None:
        return None
    from successbot.publishing.directory import Publisher, no_schedule

    return Publisher.from_settings(
        successes,
        config.export,
        channel_privacy=channel_privacy,
        events_near=schedule.events_near if schedule is not None else no_schedule,
    )


def open_app(
    config: Config, example_schedule: Callable[[], ScheduleStore] | None = None, *, parse_apart: bool = False
) -> App:
    """Open the database (upgrading it when allowed) and build the core.

    ``example_schedule``: the store to answer from when no ``[schedule] sources``
    are configured and the database holds no events (the console's first try).
    ``parse_apart``: the schedule sources are parsed in a process of their own
    (``schedules.worker``), as the running bot does: it keeps neither the
    parsers nor the parse's garbage.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from successbot.schedules.sources import ScheduleService
    from successbot.storage.channel_privacy import SqlChannelPrivacyStore
    from successbot.storage.database import SchemaOutOfDate, ensure_schema, make_engine
    from successbot.storage.errors import database_reason
    from successbot.storage.schedule import SqlScheduleStore
    from successbot.storage.successes import SqlSuccessStore

    engine = make_engine(config.database.url, config.database.busy_timeout)
    try:
        ensure_schema(engine, config.database.auto_upgrade)
    except SchemaOutOfDate as error:
        engine.dispose()
        raise StartupError(str(error)) from None
    except SQLAlchemyError as error:
        engine.dispose()
        raise StartupError(f"cannot open the database {engine.url!r}: {database_reason(error)}") from None
    successes = SqlSuccessStore(engine)
    channel_privacy = SqlChannelPrivacyStore(engine)
    store: ScheduleStore = SqlScheduleStore(engine)
    publisher = build_publisher(config, successes, channel_privacy, store)
    pages = None
    if publisher is not None:  # the publisher and its renderers are loaded for [export] directory only
        from successbot.runtime.page_refresh import PageRefresher

        pages = PageRefresher(publisher)
    use_example = False
    if example_schedule is not None and not config.schedule.sources and not _has_events(store):
        store, use_example = example_schedule(), True
    schedule = ScheduleService(
        store,
        config.schedule.sources,
        max_bytes=config.schedule.max_source_bytes,
        after_refresh=None if pages is None else pages.schedule_changed,
        load_all=_load_apart() if parse_apart else None,
    )
    on_change = None if pages is None else pages.success_changed
    core = build_core(config, successes, schedule, on_change=on_change, channel_privacy=channel_privacy)
    app = App(config, engine, successes, core, schedule=schedule, publisher=publisher, pages=pages)
    app.channel_privacy = channel_privacy
    app.example_schedule = use_example
    return app


def _load_apart() -> LoadAll:
    from successbot.schedules.worker import load_apart

    return load_apart


def _has_events(store: ScheduleStore) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return any(state.event_count for state in store.sources())
    except SQLAlchemyError:
        return True  # a database that cannot be read is reported where it is used, not hidden behind the example

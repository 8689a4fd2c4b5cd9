"""Wiring: config → database → store → core. Every entry point (console, IRC, CLI) starts here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from successbot import help_command, schedule_commands, success_commands
from successbot.commands import CommandTable
from successbot.config import Config
from successbot.core import Core, Services, admin_set
from successbot.database import SchemaOutOfDate, ensure_schema, make_engine
from successbot.schedule_sources import ScheduleService
from successbot.schedule_store import SqlScheduleStore
from successbot.success_store import SqlSuccessStore

ALL_COMMANDS = (*success_commands.COMMANDS, *schedule_commands.COMMANDS, *help_command.COMMANDS)


class StartupError(Exception):
    """The bot cannot start; the message says why in one line."""


@dataclass
class App:
    config: Config
    engine: Engine
    successes: SqlSuccessStore
    core: Core
    schedule: ScheduleService | None = None

    def refresh_schedule(self, now: datetime) -> None:
        """Read the configured schedule sources, as the bot does at start and every [schedule] refresh."""
        if self.schedule is not None and self.schedule.locations:
            self.schedule.refresh(now)

    def close(self) -> None:
        self.engine.dispose()


def build_core(config: Config, successes: SqlSuccessStore, schedule: ScheduleService | None = None) -> Core:
    services = Services(
        successes=successes,
        commands=CommandTable(ALL_COMMANDS),
        command_prefix=config.bot.command_prefix,
        admins=admin_set(config.permissions.admins),
        schedule=schedule,
    )
    return Core(services)


def open_app(config: Config) -> App:
    """Open the database (upgrading it when allowed) and build the core."""
    engine = make_engine(config.database.url, config.database.busy_timeout)
    try:
        ensure_schema(engine, config.database.auto_upgrade)
    except SchemaOutOfDate as error:
        engine.dispose()
        raise StartupError(str(error)) from None
    except SQLAlchemyError as error:
        engine.dispose()
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise StartupError(f"cannot open the database {engine.url!r}: {reason}") from None
    successes = SqlSuccessStore(engine)
    schedule = ScheduleService(SqlScheduleStore(engine), config.schedule.sources)
    return App(config, engine, successes, build_core(config, successes, schedule), schedule)

"""What the core's tests share: a channel to talk in, and a core built from a config."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from successbot.config import default_config
from successbot.core.clock import FixedClock
from successbot.core.dispatch import Core
from successbot.core.messages import Message, Reply
from successbot.core.successes import Success
from successbot.runtime.app import build_core
from successbot.schedules.sources import ScheduleService
from successbot.storage.successes import SqlSuccessStore

# A Monday in ISO week 2016-W11, the week of the Newton PTL nominations.
EXAMPLE_TIME = datetime(2016, 3, 14, 10, 0, tzinfo=UTC)

# Real, unedited OpenStack schedule data (a copy of ../shared/data/openstack).
OPENSTACK_DATA = Path(__file__).parent / "data" / "openstack"
# What the worked examples' bot reads: the cycle and the election of EXAMPLE_TIME.
EXAMPLE_SOURCES = (
    str(OPENSTACK_DATA / "releases" / "mitaka" / "schedule.rst"),
    str(OPENSTACK_DATA / "election" / "events-newton-2016-03.yaml"),
)


class Channel:
    """Say lines in a channel through a real core and database; read the replies."""

    def __init__(self, core: Core, clock: FixedClock, name: str = "#dev") -> None:
        self.core, self.clock, self.name = core, clock, name

    def say(self, text: str, **speaker: object) -> list[str]:
        """The replies' texts; ``speaker`` as for ``replies``."""
        return [reply.text for reply in self.replies(text, **speaker)]  # type: ignore[arg-type]

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


def make_core(
    store: SqlSuccessStore,
    admins: tuple[str, ...] = ("root",),
    prefix: str = "!",
    schedule: ScheduleService | None = None,
    site_url: str | None = None,
    on_change: Callable[[Success], None] | None = None,
    require_account_for_success: bool = False,
) -> Core:
    base = default_config()
    config = replace(
        base,
        bot=replace(base.bot, command_prefix=prefix, console_channel="#dev"),
        permissions=replace(base.permissions, admins=admins, require_account_for_success=require_account_for_success),
        export=replace(base.export, url=site_url),
    )
    return build_core(config, store, schedule, on_change=on_change)

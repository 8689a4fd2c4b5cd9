"""What the core's tests share: a channel to talk in, a core built from a config, an IrcBot fed raw lines."""

from __future__ import annotations

import socket
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from successbot.config import ChannelSetting, default_config
from successbot.core.clock import FixedClock
from successbot.core.dispatch import Core
from successbot.core.messages import Message, Reply
from successbot.core.successes import Success
from successbot.runtime.app import build_core
from successbot.schedules.sources import ScheduleService
from successbot.storage.successes import SqlSuccessStore

if TYPE_CHECKING:
    from successbot.adapters.irc.connection import IrcBot

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


@contextmanager
def bot_on_a_socket_pair(
    core: Core,
    channels: tuple[str, ...] = (),
    caps: Collection[str] | None = None,
    *,
    monotonic: Callable[[], float] | None = None,
    **irc: Any,
) -> Iterator[IrcBot]:
    """An IrcBot configured for ``channels``, connected to irc.test over a socket pair, at EXAMPLE_TIME.

    It never sees 001 unless fed one, so it sends nothing of its own: feed it raw server lines
    with ``feed``. ``caps``: the capabilities taken as enabled (else none). ``monotonic``: the
    clock of its timers (else the real one); ``irc``: other ``[irc]`` settings.
    """
    from successbot.adapters.irc.connection import IrcBot  # the irc library: only for the tests that use it

    base = default_config()
    channel_settings = tuple(ChannelSetting(name) for name in channels)
    settings = replace(base.irc, server="irc.test", channels=channel_settings, **irc)
    timers = {} if monotonic is None else {"monotonic": monotonic}
    bot = IrcBot(core, settings, "sbot", clock=FixedClock(EXAMPLE_TIME), **timers)
    ours, theirs = socket.socketpair()
    bot.connection.connect("irc.test", 6667, "sbot", connect_factory=lambda _address: ours)
    if caps is not None:
        bot._caps.enabled = set(caps)
    bot.outbound.clear()
    try:
        yield bot
    finally:
        bot.conversations.stop()
        bot.connection.close()
        theirs.close()


def feed(bot: IrcBot, *lines: str) -> list[str]:
    """Process server lines; return what the bot queued meanwhile, commands handed to its workers included."""
    for line in lines:
        bot.connection._process_line(line)
    assert bot.conversations.wait_idle(10), "a command handed to the workers did not finish"
    return bot.outbound.clear()

"""``successbot run`` on IRC: the connection first, the rest of the bot behind it.

The connection registers on the server (``adapters.irc.early_registration``)
while a thread of this module opens the database and wires the stores, the
core, the channels' privacy and the announcer; commands said meanwhile wait
for the core (``CoreWhenReady``). The timed jobs (announcements, the digest
mail, the schedule refresh) start once the bot is in its channels, so that
nothing heavy competes with joining them: until that first refresh is done,
``!deadline`` answers from what the database kept of the last one. Its
sources are parsed in a process of their own (``schedules.worker``), so the
bot never holds the parsers or YAML.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from successbot.adapters.core_when_ready import CoreWhenReady
from successbot.config import Config
from successbot.core.clock import Clock
from successbot.runtime.channel_privacy import PrivacyRecorder

if TYPE_CHECKING:
    from successbot.adapters.irc.connection import IrcBot
    from successbot.runtime.app import App
    from successbot.runtime.jobs import BotScheduler, SettlingThread

log = logging.getLogger(__name__)

JOIN_WAIT = 60.0  # the jobs start after this long even when the bot is in no channel yet (the server is down)
JOIN_POLL = 0.05


class BotStart:
    """Opens the app for a connection that is already registering; ``close`` after the connection stopped."""

    def __init__(self, config: Config, bot: IrcBot, core: CoreWhenReady, clock: Clock) -> None:
        self.config, self.bot, self.core, self.clock = config, bot, core, clock
        self.app: App | None = None
        self.failure: BaseException | None = None  # why the app could not be opened, raised by ``close``
        self.jobs: BotScheduler | None = None
        self.settling: SettlingThread | None = None
        # The privacy of the channels the bot joins is told from the first join on: it waits for the database.
        self.privacy = PrivacyRecorder(None, lambda: bot.network_name, clock)
        bot.on_channel_privacy.append(self.privacy)
        bot.on_stop.append(self._stop)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="start", daemon=True)

    def begin(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Close the app (after the connection's loop has ended), then raise what kept it from opening."""
        self._stop()
        if self.app is not None:
            self.app.close()
        if self.failure is not None:
            raise self.failure

    # --- the thread ---

    def _run(self) -> None:
        from successbot.runtime.app import open_app

        try:
            app = open_app(self.config, parse_apart=True)
        except BaseException as error:  # raised again by close(), on the main thread, as before the connection
            self.failure = error
            self.core.never()
            self.bot.stop("cannot start")
            return
        self.app = app
        # !successes asks the connection whether a channel is private and who is in it now.
        app.core.services = replace(app.core.services, channel_facts=self.bot)
        self.privacy.ready(app.channel_privacy, None if app.publisher is None else app.publisher.publish_all)
        self.core.ready(app.core)
        log.debug("the database is open and the commands are ready")
        self._wait_until_joined()
        if not self._stopping.is_set():
            self._start_jobs(app)

    def _wait_until_joined(self) -> None:
        channels = [channel.name for channel in self.config.irc.channels]
        deadline = time.monotonic() + JOIN_WAIT
        while not self._stopping.wait(JOIN_POLL):
            joined = self.bot.registered and (not channels or any(self.bot.can_post(c) for c in channels))
            if joined or time.monotonic() >= deadline:
                return

    def _start_jobs(self, app: App) -> None:
        from successbot.runtime.jobs import (
            BotScheduler,
            SettlingThread,
            announcement_policy,
            build_announcer,
            build_digest_mailer,
            configured_audience,
            network_once_known,
        )

        config, bot = self.config, self.bot
        policy = announcement_policy(config, *configured_audience(config))
        self.settling = SettlingThread()
        mailer = build_digest_mailer(app, network_once_known(bot, tuple(c.name for c in config.irc.channels)))
        self.jobs = BotScheduler(app, build_announcer(app, bot, policy, self.settling), self.clock, mailer)
        self.jobs.start()

    # --- stopping, once the connection's loop has ended ---

    def _stop(self) -> None:
        """In the order the bot always stopped: the privacy written, the jobs stopped, the receipts settled."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()  # an app being opened is opened, and then closed
        self.privacy.close()
        if self.jobs is not None:
            self.jobs.stop()
        if self.settling is not None:
            self.settling.close()  # after the QUIT: what was never written is released

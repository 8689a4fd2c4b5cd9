"""The bot's timed jobs, on APScheduler 3.x: announcements that are due, the digest mail, and schedule refreshes.

Jobs read the time from the injected clock, not from APScheduler, and they
never talk to IRC: the announcer hands its lines to a sink. APScheduler is
imported only when a bot actually starts its jobs, the mail and the digest's
renderer only when ``[digest]`` mails one.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from successbot.announcements.announcer import AnnouncementSink, Announcer, export_hint, settle_at_once
from successbot.announcements.plan import ELECTION, RELEASE, SUMMARY, AnnouncementPolicy
from successbot.config import Config
from successbot.core.clock import Clock
from successbot.core.weeks import Period, iso_week
from successbot.publishing.page_urls import digest_page, week_page
from successbot.storage.claims import SqlAnnouncementStore

if TYPE_CHECKING:
    from successbot.announcements.digest_mail import DigestMailer
    from successbot.runtime.app import App

log = logging.getLogger(__name__)


def announcement_policy(config: Config, default_channels: tuple[str, ...], network: str) -> AnnouncementPolicy:
    """``[announce]`` as a policy: which kinds go to which channels, and when."""
    settings = config.announce
    channels = settings.channels if settings.channels is not None else default_channels

    def chosen(override: tuple[str, ...] | None) -> tuple[str, ...]:
        return channels if override is None else override

    return AnnouncementPolicy(
        channels_by_kind={
            SUMMARY: chosen(settings.summary_channels),
            ELECTION: chosen(settings.election_channels),
            RELEASE: chosen(settings.release_channels),
        },
        weekly_summary=settings.weekly_summary,
        release_week_post=settings.release_week_time,
        election_offsets=tuple(timedelta(seconds=s) for s in settings.election_offsets),
        release_offsets=tuple(timedelta(seconds=s) for s in settings.release_offsets),
        max_per_channel_per_day=settings.max_per_day,
        network=network,
    )


def configured_audience(config: Config) -> tuple[tuple[str, ...], str]:
    """The channels and network ``successbot run`` announces to: the IRC ones, else the console's.

    The dry run must use the same, or its keys would not match what the bot records.
    """
    channels = tuple(channel.name for channel in config.irc.channels)
    if not config.irc.server:
        return channels or (config.bot.console_channel,), "console"
    return channels, config.irc.network or config.irc.server


def instance_name() -> str:
    """Who holds a claim: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class SettlingThread:
    """Where the announcer settles the sink's receipts (mark sent, release): off the connection's thread, in order."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="announcements")

    def __call__(self, work: Callable[[], None]) -> None:
        self._executor.submit(self._logged, work)

    def close(self) -> None:
        """Settle what is pending (a shutdown releases the claims of what was never written), then stop."""
        self._executor.shutdown(wait=True)

    @staticmethod
    def _logged(work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            log.exception("settling an announcement failed")


def build_announcer(
    app: App,
    sink: AnnouncementSink,
    policy: AnnouncementPolicy,
    settle: Callable[[Callable[[], None]], None] = settle_at_once,
) -> Announcer:
    settings = app.config.announce
    schedule = app.schedule
    site_url = app.config.export.url
    publisher = app.publisher
    return Announcer(
        policy=policy,
        events=(lambda: schedule.store.events()) if schedule is not None else (lambda: []),
        events_near=schedule.store.events_near if schedule is not None else None,
        claims=SqlAnnouncementStore(app.engine, instance_name(), timedelta(seconds=settings.stale_claim)),
        successes=app.successes,
        sink=sink,
        grace=timedelta(seconds=settings.grace),
        notice=settings.notice,
        summary_latest=settings.summary_latest,
        full_list=(lambda week, _channel: published_lists(site_url, week)) if site_url else export_hint,
        after_summary=(lambda week: publisher.publish_week(iso_week(week))) if publisher is not None else None,
        settle=settle,
        give_up_after=timedelta(seconds=settings.stale_claim * 0.8),
    )


def published_lists(site_url: str, week: str) -> str:
    """Where a weekly summary sends readers on the published pages: the week's page and its digest."""
    return f"{site_url}{week_page(week)} · digest: {site_url}{digest_page(week)}"


def network_once_known(sink: AnnouncementSink, channels: tuple[str, ...]) -> Callable[[], str | None]:
    """The sink's network once it is in one of ``channels`` (the server has said its NETWORK= by then), else None."""
    return lambda: sink.network if not channels or any(sink.can_post(c) for c in channels) else None


def digest_text(app: App) -> Callable[[Period], str]:
    """The text digest of a period, as ``successbot digest`` writes it: what the mail says."""
    from successbot.publishing.renderers.digest_formats import render_digest
    from successbot.runtime.digests import digest_of

    return lambda period: render_digest(digest_of(app, period), "text")


def build_digest_mailer(app: App, network: Callable[[], str | None]) -> DigestMailer | None:
    """The digest mailer of ``[digest]``; None when it mails nothing (no mail_to, or send_at = off)."""
    settings = app.config.digest
    if not settings.mail_to or settings.send_at is None or settings.mail_from is None:
        return None
    from successbot.adapters.mail import SmtpSender
    from successbot.announcements.digest_mail import DigestMailer

    return DigestMailer(
        send_at=settings.send_at,
        claims=SqlAnnouncementStore(app.engine, instance_name(), timedelta(seconds=app.config.announce.stale_claim)),
        sender=SmtpSender(settings),
        render=digest_text(app),
        mail_from=settings.mail_from,
        mail_to=settings.mail_to,
        network=network,
        give_up_after=timedelta(seconds=settings.give_up_after),
    )


def scheduler_runs_at_debug_only() -> None:
    """APScheduler's INFO lines ("Running job …", "… executed successfully", "Added job", "Scheduler
    started") only when the bot logs at DEBUG: at a 30 s check they were 5,800 lines a day of an idle bot.

    Its warnings (a run missed or skipped) and errors still show at every level.
    """
    debugging = logging.getLogger().isEnabledFor(logging.DEBUG)
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if debugging else logging.WARNING)


class BotScheduler:
    """APScheduler's background thread with the bot's jobs."""

    def __init__(self, app: App, announcer: Announcer | None, clock: Clock, mailer: DigestMailer | None = None) -> None:
        """With no announcer, only the schedule refreshes run (and the digest mail, with a mailer)."""
        self.app, self.announcer, self.clock, self.mailer = app, announcer, clock, mailer
        self._scheduler: Any = None

    def start(self, first_run_now: bool = True) -> None:
        """Start both jobs; with ``first_run_now`` they run at once, else after their first interval."""
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler_runs_at_debug_only()
        scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
        first = {"next_run_time": self.clock.now()} if first_run_now else {}
        scheduler.add_job(self.refresh_schedule, "interval", seconds=self.app.config.schedule.refresh,
                          id="schedule-refresh", **first)  # fmt: skip
        if self.announcer is not None:
            scheduler.add_job(self.announce, "interval", seconds=self.app.config.announce.check_every,
                              id="announce", **first)  # fmt: skip
        if self.mailer is not None:
            scheduler.add_job(self.mail_digest, "interval", seconds=self.app.config.announce.check_every,
                              id="digest-mail", **first)  # fmt: skip
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None

    def refresh_schedule(self) -> None:
        try:
            self.app.refresh_schedule(self.clock.now())
        except Exception:
            log.exception("refreshing the schedule sources failed")

    def announce(self) -> None:
        try:
            if self.announcer is not None:
                self.announcer.run_due(self.clock.now())
        except Exception:
            log.exception("posting due announcements failed")

    def mail_digest(self) -> None:
        try:
            if self.mailer is not None:
                self.mailer.run_due(self.clock.now())
        except Exception:
            log.exception("mailing the digest failed")

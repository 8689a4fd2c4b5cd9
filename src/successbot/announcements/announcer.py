"""Posting what is due: plan, claim, send, mark sent. The scheduler calls ``Announcer.run_due`` every so often.

The announcer never touches a socket: it hands each announcement to a sink
(the IRC adapter's outbound queue, or the console) with a ``Delivery``
receipt, and only when the sink says the channel can take it. The claim is
marked sent when the sink says every line was written, and released when it
says they never will be (a shutdown, an outage longer than the queue keeps
them), so the announcement is posted once later, by this instance or
another. Those answers come on the sink's thread and are settled on the
announcer's (``settle``), so no database write runs on the connection's
thread. Something missed for longer than the grace period (the bot was
down) is recorded as skipped with a log line, never posted late in a burst.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from successbot.announcements.plan import SUMMARY, Announcement, AnnouncementPolicy, plan
from successbot.core.ports import AnnouncementClaims, Delivery, StorageError, SuccessStore
from successbot.core.weeks import iso_week
from successbot.schedules.model import Event
from successbot.schedules.wording import moment, span

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)  # how far back a start looks for what it missed
SUMMARY_TEXT_LIMIT = 80


class AnnouncementSink(Protocol):
    """Where announcements go: the IRC connection or the console."""

    @property
    def network(self) -> str:
        """The network name successes are stored under, for the weekly summary."""
        ...

    def can_post(self, channel: str) -> bool:
        """Whether the bot is in ``channel`` now; safe from any thread."""
        ...

    def post(self, channel: str, text: str, notice: bool, delivery: Delivery) -> None:
        """Queue ``text`` for ``channel``; ``delivery`` is told once whether it was written."""
        ...


def settle_at_once(work: Callable[[], None]) -> None:
    work()


def export_hint(week: str, channel: str) -> str:
    """Where the full list is, until the bot publishes pages of its own."""
    return f"successbot export --week {week} --channel '{channel}'"


@dataclass
class Announcer:
    policy: AnnouncementPolicy
    events: Callable[[], Sequence[Event]]
    claims: AnnouncementClaims
    successes: SuccessStore
    sink: AnnouncementSink
    grace: timedelta = timedelta(hours=1)
    notice: bool = False
    summary_latest: int = 3
    full_list: Callable[[str, str], str] = export_hint
    # After a weekly summary went out: rewrite that week's published pages.
    after_summary: Callable[[str], None] | None = None
    # Runs what the sink's receipts call for (mark sent, release); the bot passes its announcer's thread.
    settle: Callable[[Callable[[], None]], None] = settle_at_once
    # How long a queued announcement may wait unsent before the sink gives it back. Shorter than a
    # claim takes to go stale, so no other instance takes it over while this one still holds it.
    give_up_after: timedelta | None = None
    # The events near an instant (ScheduleStore.events_near), when the store can bound them; else ``events``.
    events_near: Callable[[datetime], Sequence[Event]] | None = None

    def run_due(self, now: datetime) -> list[Announcement]:
        """Post everything due by ``now`` that nobody has posted; return what this call posted."""
        try:
            return self._run_due(now)
        except StorageError as error:
            log.error("announcements: the database is unavailable (%s); trying again at the next check", error)
            return []

    def _run_due(self, now: datetime) -> list[Announcement]:
        since = now - LOOKBACK
        # The keys name the network as the sink knows it now ([irc] network, else the server's NETWORK=),
        # never a server's host name: another server of the same network must not repeat them.
        policy = replace(self.policy, network=self.sink.network) if self.sink.network else self.policy
        events = self.events() if self.events_near is None else self.events_near(since)
        due = plan(events, policy, since, now + timedelta(microseconds=1))
        records = self.claims.records_since(since)
        posted = []
        for announcement in due:
            if self.claims.is_settled(records.get(announcement.key), now):
                continue
            if now - announcement.due > self.grace:
                self._skip_missed(announcement, now)
            elif (
                self.sink.can_post(announcement.channel)
                and self.claims.claim(announcement, now)
                and self._post(announcement, now)
            ):
                posted.append(announcement)
        return posted

    def _skip_missed(self, announcement: Announcement, now: datetime) -> None:
        late = now - announcement.due
        note = f"missed: due {moment(announcement.due)}, {span(late)} before anyone could post it"
        if self.claims.skip(announcement, now, note):
            log.info("announcement skipped in %s: %s (%s)", announcement.channel, announcement.subject, note)

    def _post(self, announcement: Announcement, now: datetime) -> bool:
        text = announcement.text if announcement.kind != SUMMARY else self.summary(announcement)
        if text is None:
            self.claims.mark_skipped(announcement, now, "no successes this week")
            return False
        try:
            self.sink.post(announcement.channel, text, self.notice, Receipt(self, announcement, now, text))
        except Exception:
            log.exception("posting %s to %s failed; it will be tried again", announcement.subject, announcement.channel)
            self.claims.release(announcement)
            return False
        return True

    def _written(self, announcement: Announcement, now: datetime, text: str) -> None:
        try:
            self.claims.mark_sent(announcement, now, text)
        except StorageError as error:  # the claim stays; once stale it is posted again: once too often, never lost
            log.error("announced in %s, but could not record it (%s)", announcement.channel, error)
            return
        log.info("announced in %s: %s", announcement.channel, announcement.subject)
        if announcement.kind == SUMMARY and self.after_summary is not None:
            try:
                self.after_summary(announcement.week)
            except Exception:
                log.exception("publishing the pages of %s after its summary failed", announcement.week)

    def _dropped(self, announcement: Announcement, reason: str) -> None:
        try:
            self.claims.release(announcement)
        except StorageError as error:
            log.error("could not release the claim on %s (%s); it is retried once stale", announcement.subject, error)
            return
        log.info("not announced in %s (%s): %s; it will be posted later", announcement.channel, reason,
                 announcement.subject)  # fmt: skip

    def summary(self, announcement: Announcement) -> str | None:
        """This ISO week's successes in the channel, up to the summary's time; None for an empty week."""
        week = iso_week(announcement.week)
        found = self.successes.between(
            week.start, min(week.end, announcement.due + timedelta(minutes=1)),
            channel=announcement.channel, network=self.sink.network or None,
        )  # fmt: skip
        if not found:
            return None
        people = len({(s.account or s.nick).casefold() for s in found})
        latest = " · ".join(f"{s.nick}: {_shortened(s.text)}" for s in reversed(found[-self.summary_latest :]))
        count = f"{len(found)} success{'es' if len(found) != 1 else ''}"
        return (
            f"This week in {announcement.channel} ({announcement.week}): {count} from {people} "
            f"{'person' if people == 1 else 'people'}. Latest: {latest}. "
            f"Full list: {self.full_list(announcement.week, announcement.channel)}"
        )


def _shortened(text: str) -> str:
    return text if len(text) <= SUMMARY_TEXT_LIMIT else text[: SUMMARY_TEXT_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Receipt:
    """The ``Delivery`` of one announcement: the sink's answer, settled on the announcer's side."""

    announcer: Announcer
    announcement: Announcement
    now: datetime
    text: str

    def written(self) -> None:
        self.announcer.settle(lambda: self.announcer._written(self.announcement, self.now, self.text))

    def dropped(self, reason: str) -> None:
        self.announcer.settle(lambda: self.announcer._dropped(self.announcement, reason))

    @property
    def expires_in(self) -> float | None:
        limit = self.announcer.give_up_after
        return None if limit is None else limit.total_seconds()

"""Posting what is due: plan, claim, send, mark sent. The scheduler calls ``Announcer.run_due`` every so often.

The announcer never touches a socket: it hands each line to a sink (the IRC
adapter's outbound queue, or the console) and only when the sink says the
channel can take it. Something missed for longer than the grace period (the
bot was down) is recorded as skipped with a log line, never posted late in a
burst.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from successbot.announcements.plan import SUMMARY, Announcement, AnnouncementPolicy, plan
from successbot.core.ports import AnnouncementClaims, StorageError, SuccessStore
from successbot.core.weeks import iso_week
from successbot.schedules.model import Event

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)  # how far back a start looks for what it missed
SUMMARY_TEXT_LIMIT = 80


class AnnouncementSink(Protocol):
    """Where announcements go: the IRC connection or the console."""

    @property
    def network(self) -> str:
        """The network name successes are stored under, for the weekly summary."""
        ...

    def can_post(self, channel: str) -> bool: ...

    def post(self, channel: str, text: str, notice: bool) -> None: ...


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

    def run_due(self, now: datetime) -> list[Announcement]:
        """Post everything due by ``now`` that nobody has posted; return what this call posted."""
        try:
            return self._run_due(now)
        except StorageError as error:
            log.error("announcements: the database is unavailable (%s); trying again at the next check", error)
            return []

    def _run_due(self, now: datetime) -> list[Announcement]:
        since = now - LOOKBACK
        due = plan(self.events(), self.policy, since, now + timedelta(microseconds=1))
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
        note = f"missed: due {announcement.due:%Y-%m-%d %H:%M} UTC, {late} before anyone could post it"
        if self.claims.skip(announcement, now, note):
            log.info("announcement skipped in %s: %s (%s)", announcement.channel, announcement.subject, note)

    def _post(self, announcement: Announcement, now: datetime) -> bool:
        text = announcement.text if announcement.kind != SUMMARY else self.summary(announcement)
        if text is None:
            self.claims.mark_skipped(announcement, now, "no successes this week")
            return False
        try:
            self.sink.post(announcement.channel, text, self.notice)
        except Exception:
            log.exception("posting %s to %s failed; it will be tried again", announcement.subject, announcement.channel)
            self.claims.release(announcement)
            return False
        self.claims.mark_sent(announcement, now, text)
        log.info("announced in %s: %s", announcement.channel, announcement.subject)
        if announcement.kind == SUMMARY and self.after_summary is not None:
            try:
                self.after_summary(announcement.week)
            except Exception:
                log.exception("publishing the pages of %s after its summary failed", announcement.week)
        return True

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

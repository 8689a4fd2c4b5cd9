"""What the bot says on its own, and when: a pure plan computed from the schedule and a time window.

``plan`` turns the schedule's events and the announcement settings into
``Announcement`` values, each with a deterministic key (kind, subject,
offset, channel, network and due time). Two bot instances that plan the same
window get the same keys, which is what lets the database grant each one
exactly once. A deadline that moves gets new keys at its new time; the old
ones are simply no longer planned. Nothing here reads the clock, the
database or a socket.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

# Here before they had a module of their own (the config reads them without the rest of this one).
from successbot.announcements.weekly_time import WEEKDAYS as WEEKDAYS
from successbot.announcements.weekly_time import WeeklyTime
from successbot.announcements.weekly_time import parse_weekly_time as parse_weekly_time
from successbot.core.weeks import week_label
from successbot.schedules.model import Event, Kind, series_display
from successbot.schedules.queries import distinct, election_phases, in_order
from successbot.schedules.wording import day_text, moment, span, week_name, when

SUMMARY, ELECTION, RELEASE = "summary", "election", "release"
KINDS = (SUMMARY, ELECTION, RELEASE)
# Deadlines worth a reminder before they fall; the weekly post lists the rest.
REMINDED_KINDS = (Kind.MILESTONE, Kind.FREEZE)
WEEK_DEADLINE_KINDS = (Kind.MILESTONE, Kind.FREEZE, Kind.RELEASE_CANDIDATE, Kind.FINAL_RELEASE, Kind.DEADLINE)


@dataclass(frozen=True)
class AnnouncementPolicy:
    """Which announcements go where; built from ``[announce]``."""

    channels_by_kind: dict[str, tuple[str, ...]]
    weekly_summary: WeeklyTime | None = WeeklyTime(4, time(15, 0))  # noqa: RUF009  # a frozen dataclass
    release_week_post: time = time(9, 0)
    election_offsets: tuple[timedelta, ...] = (timedelta(days=2), timedelta(hours=4))
    release_offsets: tuple[timedelta, ...] = (timedelta(days=1),)
    max_per_channel_per_day: int = 4
    network: str = ""

    def channels(self, kind: str) -> tuple[str, ...]:
        return self.channels_by_kind.get(kind, ())


@dataclass(frozen=True)
class Announcement:
    kind: str
    channel: str
    due: datetime
    subject: str  # what it is about, for people: "PTL nomination closes in 2 days"
    text: str  # for a weekly summary, filled in only when it is posted
    network: str
    identity: str  # the readable form of the key

    @property
    def key(self) -> str:
        """Stable across instances and restarts: same announcement, same key."""
        return hashlib.sha256(self.identity.encode("utf-8")).hexdigest()[:40]

    @property
    def week(self) -> str:
        """The ISO week a weekly summary covers: the week of its due time."""
        return week_label(self.due)


def plan(events: Iterable[Event], policy: AnnouncementPolicy, start: datetime, end: datetime) -> list[Announcement]:
    """Every announcement due in ``[start, end)``, in time order, the daily cap applied per channel."""
    events = list(events)
    planned = [
        *_summaries(policy, start, end),
        *_election_reminders(events, policy, start, end),
        *_release_reminders(events, policy, start, end),
    ]
    planned.sort(key=lambda a: (a.due, KINDS.index(a.kind), a.channel, a.subject))
    return _capped(planned, policy.max_per_channel_per_day)


def _announcement(policy: AnnouncementPolicy, kind: str, due: datetime, subject: str, text: str) -> list[Announcement]:
    return [
        Announcement(
            kind, channel, due, subject, text, policy.network,
            identity=f"{kind}|{subject}|{due:%Y-%m-%dT%H:%MZ}|{policy.network}|{channel}",
        )
        for channel in policy.channels(kind)
    ]  # fmt: skip


def _summaries(policy: AnnouncementPolicy, start: datetime, end: datetime) -> list[Announcement]:
    if policy.weekly_summary is None:
        return []
    found = []
    for due in policy.weekly_summary.occurrences(start, end):
        found += _announcement(policy, SUMMARY, due, f"weekly summary {week_label(due)}", "")
    return found


def _election_reminders(
    events: list[Event], policy: AnnouncementPolicy, start: datetime, end: datetime
) -> list[Announcement]:
    """Phases that open, or close, at the same minute (a combined PTL and TC election) are one post."""
    opening: dict[tuple[datetime, str], list[Event]] = defaultdict(list)
    closing: dict[tuple[datetime, timedelta, str], list[Event]] = defaultdict(list)
    for phase in election_phases(events):
        if phase.end <= phase.start:
            continue  # a phase edited down to nothing opens and closes no one
        closes = _closing(phase)
        if start <= phase.start < end:
            opening[(phase.start, closes)].append(phase)
        for offset in policy.election_offsets:
            due = phase.end - offset
            if due > phase.start and start <= due < end:
                closing[(due, offset, closes)].append(phase)
    found = []
    for (due, closes), phases in opening.items():
        titles = _listed([phase.title for phase in phases])
        plural = len(phases) > 1 or _is_plural(titles)
        text = f"{titles} {'are' if plural else 'is'} open until {closes}."
        # One phase keeps the subject (and so the key) it always had: "… opens".
        found += _announcement(policy, ELECTION, due, f"{titles} {'opens' if len(phases) == 1 else 'open'}", text)
    for (due, offset, closes), phases in closing.items():
        titles = _listed([phase.title for phase in phases])
        verb = "close" if len(phases) > 1 or _is_plural(titles) else "closes"
        text = f"{titles} {verb} in {span(offset)}, {closes}."
        subject_verb = "closes" if len(phases) == 1 else "close"
        found += _announcement(policy, ELECTION, due, f"{titles} {subject_verb} in {span(offset)}", text)
    return found


def _release_reminders(
    events: list[Event], policy: AnnouncementPolicy, start: datetime, end: datetime
) -> list[Announcement]:
    deadlines = distinct(e for e in in_order(events) if e.kind in WEEK_DEADLINE_KINDS and e.is_cross_project)
    found = []
    for week in (e for e in events if e.kind is Kind.CYCLE_WEEK):
        due = datetime.combine(week.start.date(), policy.release_week_post, UTC)
        this_week = [d for d in deadlines if d.series == week.series and week.start <= d.start < week.end]
        if this_week and start <= due < end:
            found += _announcement(policy, RELEASE, due, f"week {week.title} of {week.series}",
                                   _week_text(week, this_week, deadlines))  # fmt: skip
    # Deadlines reminded of at the same minute (the day before a feature freeze, say) are one post.
    together: dict[tuple[datetime, timedelta], list[Event]] = defaultdict(list)
    for deadline in deadlines:
        if deadline.kind not in REMINDED_KINDS:
            continue
        for offset in policy.release_offsets:
            due = _reminder_time(deadline, offset, policy.release_week_post)
            if start <= due < end:
                together[(due, offset)].append(deadline)
    for (due, offset), reminded in together.items():
        named = sorted({d.series for d in reminded if d.series})
        of_series = f" ({_listed(named)})" if named else ""  # a schedule of our own may name no series
        subject = f"{', '.join(d.title for d in reminded)}{of_series} in {span(offset)}"
        found += _announcement(policy, RELEASE, due, subject, _reminder_text(offset, reminded))
    return found


def _reminder_text(offset: timedelta, reminded: list[Event]) -> str:
    """``Tomorrow (Thu 18 Feb 2027): Feature freeze, Indri-3 milestone.``: one day named once."""
    days = {when(deadline) for deadline in reminded}
    if len(days) == 1:
        return f"{_when_ahead(offset)} ({days.pop()}): {', '.join(d.title for d in reminded)}."
    return f"{_when_ahead(offset)}: {', '.join(f'{d.title} ({when(d)})' for d in reminded)}."


def _listed(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _week_text(week: Event, this_week: list[Event], deadlines: list[Event]) -> str:
    name = series_display(week.series, week.release_id) or "the cycle"
    items = [f"{d.title} ({day_text(d.start.date(), year=False)})" for d in this_week]
    text = f"Week {week_name(week.title)} of {name}: {'; '.join(items)}."
    final = next(
        (d for d in deadlines if d.kind is Kind.FINAL_RELEASE and d.series == week.series and d.start >= week.end),
        None,
    )
    if final is not None:
        weeks = (final.start.date() - week.start.date()).days // 7
        text += f" Final release in {weeks} week{'s' if weeks != 1 else ''} ({day_text(final.start.date())})."
    return text


def _reminder_time(deadline: Event, offset: timedelta, time_of_day: time) -> datetime:
    """``offset`` before the deadline; whole days before a day-long one go out at ``time_of_day``, not midnight."""
    if deadline.all_day and offset % timedelta(days=1) == timedelta(0):
        return datetime.combine(deadline.start.date() - offset, time_of_day, UTC)
    return deadline.start - offset


def _capped(planned: list[Announcement], cap: int) -> list[Announcement]:
    """At most ``cap`` per channel per UTC day, the earliest first: fewer, well-timed posts."""
    counts: dict[tuple[str, object], int] = defaultdict(int)
    kept = []
    for announcement in planned:
        day = (announcement.channel, announcement.due.date())
        if counts[day] < cap:
            counts[day] += 1
            kept.append(announcement)
    return kept


def _closing(phase: Event) -> str:
    if phase.all_day:
        return f"the end of {day_text(phase.last_day)} UTC"
    return moment(phase.end)


def _when_ahead(offset: timedelta) -> str:
    return "Tomorrow" if offset == timedelta(days=1) else f"In {span(offset)}"


def _is_plural(title: str) -> bool:
    """``PTL elections`` close; ``PTL nomination`` closes."""
    last = title.split()[-1].lower() if title.split() else ""
    return last.endswith("s") and not last.endswith("ss")

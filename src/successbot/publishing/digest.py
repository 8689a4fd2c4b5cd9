"""The weekly digest: what a community's developer mail says each week, built from what the bot holds.

Four sections, as OpenStack's weekly digest has them: **SuccessBot Says**
(the period's successes), **Thanks**, **Elections** (every election phase
open at the period's end or opening within four weeks of it, per election)
and the **Release countdown** (the cycle week after the period, its events in
the schedule's own words, and the important dates ahead up to the release).

``build_digest`` is pure: it is given the successes, the thanks and the
schedule's events (``ScheduleStore.events_near`` at the period's end, as
``!deadline`` and ``!election`` are) and answers with the same queries
(``schedules.queries``). ``renderers/digest_formats`` writes a ``Digest`` as
text, Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from successbot.core.dates import days_text
from successbot.core.successes import Success, shown_text
from successbot.core.weeks import Period
from successbot.schedules.model import Event, Kind, series_display
from successbot.schedules.queries import audiences, cycle_week_at, election_phases, in_order, upcoming_deadlines
from successbot.schedules.wording import week_name

INVITATION = 'Tell us yours via IRC with a message "#success [insert success]"'
ELECTION_HORIZON = timedelta(weeks=4)  # phases opening this soon after the period are in its digest
MAX_IMPORTANT = 12  # important dates before the final release, at most
FIRST_WEEKS = 3  # between cycles: how many of the next series' first weeks are named
ELECTIONS = (("ptl", "PTL"), ("tc", "TC"))
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, slots=True)  # slots: a busy week's digest holds thousands
class Line:
    """``• nick: text``: a success or a thanks as the digest lists it."""

    nick: str
    text: str


@dataclass(frozen=True)
class Election:
    """One election's phases near the period (``PTL``, ``TC``), in order."""

    name: str
    phases: tuple[Event, ...]


@dataclass(frozen=True)
class Countdown:
    """The cycle week after the period: its events, then the important dates after it."""

    week: Event
    this_week: tuple[Event, ...]
    important: tuple[Event, ...]
    starts_series: bool = False  # the first week of a series: the digest names its first weeks
    first_weeks: tuple[Event, ...] = ()

    @property
    def series(self) -> str:
        return series_display(self.week.series, self.week.release_id)

    @property
    def heading(self) -> str:
        """``Release Countdown For Week R-3, March 14-18``: the week's working days."""
        return f"Release Countdown For Week {week_name(self.week.title)}, {week_days(self.week)}"


@dataclass(frozen=True)
class Digest:
    period: Period
    title: str
    successes: tuple[Line, ...]
    thanks: tuple[Line, ...]
    elections: tuple[Election, ...]  # empty: no election near, and the section is left out
    countdown: Countdown | None  # None: no cycle week after the period in the schedule data
    site_url: str | None = None  # where all successes are, under the invitation

    @property
    def nobody_yet(self) -> str:
        """What the SuccessBot Says section says without successes."""
        span = "this week" if self.period.is_iso_week else "in this period"
        return f"Nobody has shared a success {span} yet."


def digest_title(period: Period) -> str:
    """``Digest 2016-W10 (Mon 7 Mar to Sun 13 Mar 2016)``, or the days alone for another period."""
    days = days_text(period.first_day, period.last_day)
    return f"Digest {period.label} ({days})" if period.is_iso_week else f"Digest, {days}"


def build_digest(
    period: Period,
    records: Iterable[Success],
    events: Iterable[Event],
    *,
    site_url: str | None = None,
    mark_unverified: bool = False,
) -> Digest:
    """The digest of ``period``: ``records`` its successes and thanks, ``events`` the schedule's.

    Live records are listed in the order recorded, the successes under
    SuccessBot Says and the thanks under Thanks (as said: ``thanks bob for the
    review``). ``mark_unverified`` marks a speaker who was not logged in, as
    the exports do.
    """
    events = list(events)
    said = sorted((record for record in records if not record.is_deleted), key=lambda record: record.id)

    def line(record: Success) -> Line:
        nick = f"{record.nick} (unverified)" if mark_unverified and not record.account else record.nick
        return Line(nick, shown_text(record))

    return Digest(
        period=period,
        title=digest_title(period),
        successes=tuple(line(record) for record in said if not record.is_thanks),
        thanks=tuple(line(record) for record in said if record.is_thanks),
        elections=elections_near(events, period.end),
        countdown=countdown_after(events, period.end),
        site_url=site_url,
    )


def elections_near(events: Iterable[Event], end: datetime) -> tuple[Election, ...]:
    """Per election, the phases open at ``end`` or opening within four weeks of it; none without any."""
    phases = [
        phase for phase in election_phases(events) if phase.is_open(end) or end <= phase.start < end + ELECTION_HORIZON
    ]
    found = []
    for audience, name in ELECTIONS:
        own = tuple(phase for phase in phases if audience in audiences(phase))
        if own:
            found.append(Election(name, own))
    return tuple(found)


def countdown_after(events: Iterable[Event], end: datetime) -> Countdown | None:
    """The first cycle week that starts at or after ``end``, with its events and the important dates after it.

    Where two series' weeks start together (a cycle's last weeks and the
    next one's first), the newest series' is meant, as ``!deadline`` says.
    """
    events = list(events)
    weeks = [event for event in events if event.kind is Kind.CYCLE_WEEK and event.start >= end]
    if not weeks:
        return None
    # Among the weeks after ``end`` only those that start first are open then: never one begun before ``end``.
    week = cycle_week_at(weeks, min(week.start for week in weeks))
    if week is None:  # cannot happen: a week starting then is open then
        return None
    word = week.series or week.release_id
    ahead = [event for event in upcoming_deadlines(events, end, series=word) if event.start >= end]
    this_week = tuple(event for event in ahead if event.start < week.end)
    later = [event for event in ahead if event.start >= week.end]
    important: list[Event] = []
    for event in later:
        if event.kind is Kind.FINAL_RELEASE:
            important.append(event)
            break
        if len(important) < MAX_IMPORTANT:
            important.append(event)
    own_weeks = in_order(event for event in events if event.kind is Kind.CYCLE_WEEK and _same_series(event, week))
    starts_series = bool(own_weeks) and own_weeks[0].start == week.start
    first_weeks = tuple(own_weeks[1 : 1 + FIRST_WEEKS]) if starts_series else ()
    return Countdown(week, this_week, tuple(important), starts_series, first_weeks)


def _same_series(one: Event, other: Event) -> bool:
    if one.series or one.release_id or other.series or other.release_id:
        return (one.series, one.release_id) == (other.series, other.release_id)
    return one.source == other.source


def week_days(week: Event) -> str:
    """A cycle week's working days as OpenStack writes them: ``March 14-18``, ``February 29-March 4``."""
    first = week.start.date()
    last = _last_working_day(week)
    if first == last:
        return f"{MONTHS[first.month - 1]} {first.day}"
    if first.month == last.month:
        return f"{MONTHS[first.month - 1]} {first.day}-{last.day}"
    return f"{MONTHS[first.month - 1]} {first.day}-{MONTHS[last.month - 1]} {last.day}"


def _last_working_day(week: Event) -> date:
    """Friday of a week that starts on a Monday and runs to the next; else the week's own last day."""
    last = week.last_day if week.all_day else (week.end - timedelta(microseconds=1)).date()
    first = week.start.date()
    if first.weekday() == 0 and last - first >= timedelta(days=4):
        return first + timedelta(days=4)
    return last

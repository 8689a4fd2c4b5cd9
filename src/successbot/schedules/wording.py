"""Schedule times in words for people: days and instants in UTC, and how far away they are.

Shared by the commands (!deadline, !election) and the announcements, so a
date reads the same wherever the bot says it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from successbot.core.dates import day_text, days_text, moment, span
from successbot.schedules.model import Event

# day_text, moment and span live in core.dates, so that pages, exports and the command line write dates
# as the commands do; they stay importable from here.
__all__ = ["clipped", "day_text", "moment", "quoted", "relative", "relative_to", "span", "week_name", "when"]


def week_name(title: str) -> str:
    """A cycle week as OpenStack writes it: the release week is ``R-0``, though some files say ``R+0``."""
    return "R-0" if title.strip().upper() == "R+0" else title


def when(event: Event) -> str:
    """The event's day or span; dates are UTC days."""
    if event.all_day:
        return days_text(event.start.date(), event.last_day)
    if event.start == event.end:
        return moment(event.start)
    return f"{moment(event.start)} to {moment(event.end)}"


def relative(event: Event, now: datetime) -> str:
    """How far away ``event`` is from ``now``: today, tomorrow, in 5 days, in 3 hours, now until Friday."""
    if event.is_open(now):
        if event.all_day and event.start.date() == event.last_day:
            return "today"
        until = day_text(event.last_day, year=False) if event.all_day else moment(event.end)
        return f"now, until {until}"
    if not event.all_day:
        return relative_to(event.start, now)
    days = (event.start.date() - now.date()).days
    return "tomorrow" if days == 1 else f"in {days} days"


def relative_to(instant: datetime, now: datetime) -> str:
    """``in 3 hours``, ``2 days ago``; an instant at ``now`` (or less than a minute before) is ``just now``.

    What ends at ``now`` is over, so it is never "in 0 minutes".
    """
    if instant > now:
        return f"in {span(instant - now)}"
    if now - instant < timedelta(minutes=1):
        return "just now"
    return f"{span(now - instant)} ago"


def clipped(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: when it is longer, cut at a word boundary and marked ``…``."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    boundary = head.rfind(" ")
    if boundary > limit // 2:  # a word longer than half the line is cut inside rather than dropped
        head = head[:boundary]
    return head.rstrip(" ·,;:(") + "…"


def quoted(text: str) -> str:
    """What someone typed, in quotes as people write them (a Python repr would show ``"it's"`` or ``\\x01``)."""
    return "'" + "".join(char for char in text if char.isprintable()) + "'"

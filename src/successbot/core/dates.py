"""Dates, times and durations as people read them: one way everywhere the bot writes one.

Replies, announcements, the published pages, the exports, the command line
and the log all write a day ``Thu 17 Mar 2016``, a time ``23:59 UTC``, both
``Thu 17 Mar 2016 23:59 UTC``, and a duration in words (``2 days 16 hours``),
never ``2016-03-17 23:59`` or a ``timedelta``'s ``3 days, 16:54:58.029208``.
Machine-readable fields (JSON, CSV and Atom timestamps, HTML ``datetime``
attributes, file names such as ``2016-W11.html``) stay ISO 8601 and are not
written here.

The names are English whatever the process's locale: ``%a`` and ``%b`` would
follow ``LC_TIME`` once anything called ``locale.setlocale``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc(instant: datetime) -> datetime:
    """``instant`` in UTC; a naive one is taken to be UTC already, as everywhere in successbot."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def day_text(day: date, year: bool = True) -> str:
    """``Thu 17 Mar 2016``; without the year (``Thu 17 Mar``) only where the text around it fixes the year.

    An instant counts by its UTC day.
    """
    if isinstance(day, datetime):
        day = utc(day).date()
    shown = f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return f"{shown} {day.year}" if year else shown


def time_text(instant: datetime) -> str:
    """``23:59 UTC``: the time of day of ``instant`` in UTC, to the minute."""
    return f"{utc(instant):%H:%M} UTC"


def moment(instant: datetime) -> str:
    """``Thu 17 Mar 2016 23:59 UTC``."""
    return f"{day_text(utc(instant).date())} {time_text(instant)}"


def digest_minute(instant: datetime) -> str:
    """``2016-03-18 00:00 UTC``: the weekly digest's one exception, for an election phase's ends.

    OpenStack's election officials and its mailing-list digest write them so, and the digest is pasted
    beside their mails; everywhere else the bot writes ``Fri 18 Mar 2016 00:00 UTC``.
    """
    return f"{utc(instant):%Y-%m-%d %H:%M} UTC"


def days_text(first: date, last: date) -> str:
    """Whole days, ``first`` to ``last`` inclusive: ``Mon 14 Mar to Sun 20 Mar 2016``, the year said once
    when both days share it; ``Thu 31 Dec 2015 to Sat 2 Jan 2016`` when they do not; one day alone."""
    if first == last:
        return day_text(first)
    return f"{day_text(first, year=first.year != last.year)} to {day_text(last)}"


def span(delta: timedelta) -> str:
    """A duration in words, to the hour when it is days, to the minute when it is hours."""
    minutes = int(delta.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        text = count(days, "day")
        return f"{text} {count(hours, 'hour')}" if hours and days < 7 else text
    if hours:
        return f"{count(hours, 'hour')} {count(minutes, 'minute')}" if minutes and hours < 3 else count(hours, "hour")
    return count(max(minutes, 1), "minute") if delta > timedelta(0) else "0 minutes"


def count(number: int, unit: str) -> str:
    """``1 day``, ``3 days``."""
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"

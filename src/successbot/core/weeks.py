"""Periods of whole UTC days, and the ISO week (Monday to Sunday, UTC) that everything is grouped by.

The weekly summary, the published pages, the exports and ``!successes week``
all name a week the same way, ``2016-W11``, from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from successbot.core.dates import day_text


@dataclass(frozen=True)
class Period:
    """Whole UTC days, ``first_day`` to ``last_day`` inclusive."""

    first_day: date
    last_day: date
    label: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), UTC)

    @property
    def is_iso_week(self) -> bool:
        return is_week_label(self.label)


_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_WEEK_LABEL = re.compile(r"\d{4}-W\d{2}")


def week_label(instant: datetime) -> str:
    """The ISO week ``instant`` falls in (UTC), as ``2016-W11``."""
    year, week, _ = instant.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def is_week_label(text: str) -> bool:
    """Whether ``text`` is a week label exactly as ``week_label`` writes it."""
    return _WEEK_LABEL.fullmatch(text) is not None


def iso_week(text: str) -> Period:
    """``2016-W11`` → Monday 2016-03-14 to Sunday 2016-03-20. Raises ValueError for the user."""
    found = _WEEK.fullmatch(text.strip())
    if not found:
        raise ValueError(f"expected an ISO week such as 2016-W11, found {text!r}")
    year, week = int(found.group(1)), int(found.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {week}") from None
    return Period(monday, monday + timedelta(days=6), f"{year}-W{week:02d}")


def week_containing(instant: datetime) -> Period:
    return iso_week(week_label(instant))


def day_range(first: str, last: str) -> Period:
    """Inclusive dates ``YYYY-MM-DD``. Raises ValueError for the user."""
    days = []
    for text in (first, last):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            raise ValueError(f"expected a date such as 2016-03-14, found {text!r}") from None
    if days[1] < days[0]:
        raise ValueError(f"the period ends ({day_text(days[1])}) before it starts ({day_text(days[0])})")
    return Period(days[0], days[1], f"{days[0]} to {days[1]}")

"""A weekday and a UTC time of day, as ``[announce] weekly_summary`` and ``[digest] send_at`` say it (``fri 15:00``).

A module of its own, with the standard library only: the config reads these
keys, and ``successbot run`` reads its config before it opens the IRC
connection, so nothing else of the announcements' is imported for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WeeklyTime:
    """A weekday and a UTC time of day: ``fri 15:00``."""

    weekday: int  # Monday is 0
    at: time

    def occurrences(self, start: datetime, end: datetime) -> list[datetime]:
        """Every such instant with ``start <= instant < end``."""
        first_day = start.date() - timedelta(days=(start.weekday() - self.weekday) % 7)
        found, day = [], first_day
        while True:
            instant = datetime.combine(day, self.at, UTC)
            if instant >= end:
                return found
            if instant >= start:
                found.append(instant)
            day += timedelta(days=7)


def parse_weekly_time(text: str) -> WeeklyTime | None:
    """``fri 15:00`` → WeeklyTime; ``off`` → None. Raises ValueError("expected …")."""
    words = text.strip().lower().split()
    if words == ["off"]:
        return None
    expected = "expected a weekday and a UTC time such as fri 15:00, or off"
    if len(words) != 2 or words[0][:3] not in WEEKDAYS or not words[0].startswith(words[0][:3]):
        raise ValueError(expected)
    try:
        hours, minutes = (int(part) for part in words[1].split(":"))
        at = time(hours, minutes)
    except ValueError:
        raise ValueError(expected) from None
    return WeeklyTime(WEEKDAYS.index(words[0][:3]), at)

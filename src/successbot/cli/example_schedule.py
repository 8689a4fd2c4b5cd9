"""The example schedule the console and ``ask`` start with when no ``[schedule] sources`` are configured.

A static example file goes stale: its deadlines pass and a newcomer's first
``!deadline`` answers "nothing ahead". So the example is written here, in
successbot's own YAML, with dates counted from today, and read through the
same importer as a real source. It lives in memory only: nothing of it is
stored in the database, so real sources configured later never mix with it.
``run`` on IRC never uses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from successbot.core.ports import SourceState
from successbot.schedules.formats.detection import import_text
from successbot.schedules.model import Event

EXAMPLE_SOURCE = "example schedule (built in, dates from today)"
HOW_TO_USE_REAL_DATA = "set [schedule] sources = FILE-OR-URL, ... in a config file (--config FILE) for real data"


def example_yaml(today: date) -> str:
    """successbot's YAML for a made-up cycle around ``today``: an election phase open now, deadlines ahead."""

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    return f"""\
successbot-schedule: 1
events:
  - title: Maintainer nominations
    kind: election phase
    start: {day(-2)}T00:00
    end: {day(5)}T23:59
  - title: Maintainer election
    kind: election phase
    start: {day(12)}T00:00
    end: {day(19)}T23:59
  - title: Spec freeze
    kind: freeze
    date: {day(9)}
    project: docs
  - title: Docs sprint
    kind: deadline
    start: {day(20)}
    end: {day(24)}
  - title: Feature freeze
    kind: freeze
    date: {day(40)}
    label: ff
  - title: Release
    kind: final release
    at: {day(70)}T15:00
"""


def example_events(now: datetime) -> list[Event]:
    return import_text(EXAMPLE_SOURCE, example_yaml(now.date()), lambda _relative: None, "successbot").events


class ExampleScheduleStore:
    """A ``ScheduleStore`` in memory holding the example; a refresh or import never writes to it."""

    def __init__(self, now: datetime) -> None:
        self._events = example_events(now)
        self._state = SourceState(EXAMPLE_SOURCE, "successbot", len(self._events), now, now, None)

    def events(self) -> list[Event]:
        return list(self._events)

    def events_near(self, at: datetime) -> list[Event]:
        return list(self._events)  # a handful: all of them

    def sources(self) -> list[SourceState]:
        return [self._state]

    def replace_source(self, location: str, events: Iterable[Event], at: datetime, format: str | None = None) -> int:
        return len(list(events))  # never configured: nothing to keep

    def record_failure(self, location: str, problem: str, at: datetime) -> None:
        pass

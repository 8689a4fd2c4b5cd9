"""Wording at the edges: what ends at the instant asked about is over, and nothing is ever "in 0 minutes"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from successbot.schedules.model import Event, Kind
from successbot.schedules.wording import relative, relative_to

END = datetime(2026, 8, 26, 23, 45, tzinfo=UTC)


def phase(start: datetime, end: datetime) -> Event:
    return Event(Kind.ELECTION_PHASE, "PTL Election", start, end, "configuration.yaml", "timeline[1]")


def test_an_instant_at_now_is_just_now_never_in_0_minutes():
    assert relative_to(END, END) == "just now"
    assert relative_to(END, END + timedelta(seconds=59)) == "just now"
    assert relative_to(END, END + timedelta(minutes=1)) == "1 minute ago"
    assert relative_to(END, END - timedelta(seconds=1)) == "in 1 minute"


def test_a_phase_is_over_at_its_exact_end_and_open_a_moment_before():
    election = phase(END - timedelta(days=7), END)
    assert (election.is_open(END), election.is_over(END)) == (False, True)
    assert (election.is_open(END - timedelta(seconds=1)), election.is_over(END - timedelta(seconds=1))) == (True, False)


def test_an_instant_is_over_when_it_comes():
    deadline = phase(END, END)
    assert (deadline.is_over(END - timedelta(minutes=1)), deadline.is_over(END)) == (False, True)
    assert relative(deadline, END - timedelta(minutes=1)) == "in 1 minute"

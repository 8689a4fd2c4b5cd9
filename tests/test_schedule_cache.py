"""The schedule store's memory: per-source summaries by generation, and the last answers near a minute, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from successbot.schedules.model import Event, Kind
from successbot.storage.schedule_cache import (
    MAX_GROUPS,
    WINDOWS_KEPT,
    NearCache,
    summarize,
    summary_from_json,
    summary_to_json,
)

DAY = datetime(2027, 2, 1, tzinfo=UTC)


def event(source: str, title: str, day: int, *, days: int = 0, project: str | None = None, **fields) -> Event:
    start = DAY + timedelta(days=day)
    return Event(fields.pop("kind", Kind.DEADLINE), title, start, start + timedelta(days=days), source, title,
                 project=project, **fields)  # fmt: skip


def test_a_summary_holds_every_group_the_longest_event_and_one_event_per_series():
    events = [
        event("a.yaml", "freeze", 1, days=3, series="indri"),
        event("a.yaml", "nova spec freeze", 2, project="nova", series="indri"),
        event("a.yaml", "another freeze", 5, series="indri"),
        event("a.yaml", "old freeze", -400, series="hibiscus"),
        event("a.yaml", "phase", 9, days=20, kind=Kind.ELECTION_PHASE),
    ]
    summary = summarize(events)
    assert summary.groups == (
        ("election phase", None, None),
        ("deadline", None, "hibiscus"),
        ("deadline", None, "indri"),
        ("deadline", "nova", "indri"),
    )
    assert summary.spans[1] == (DAY - timedelta(days=400), DAY - timedelta(days=400))
    assert summary.spans[2] == (DAY + timedelta(days=1), DAY + timedelta(days=5))
    assert summary.longest == timedelta(days=20)
    assert {e.title for e in summary.representatives} == {"freeze", "old freeze", "phase"}


def test_a_summary_stays_bounded_however_many_projects_a_source_names():
    summary = summarize(event("a.yaml", f"p{n}", n, project=f"team{n:05}") for n in range(5000))
    assert len(summary.groups) == MAX_GROUPS


def test_a_summary_reads_back_as_written_and_a_broken_one_as_none():
    summary = summarize([event("a.yaml", "freeze", 1, days=3, series="indri", release_id="2027.1", label="i-3")])
    assert summary_from_json(summary_to_json(summary), "a.yaml") == summary
    assert summary_from_json('{"groups": 3}', "a.yaml") is None
    assert summary_from_json(None, "a.yaml") is None


def test_only_the_stamps_generation_of_a_summary_is_held():
    cache = NearCache()
    cache.put_summary("a.yaml", 1, summarize([event("a.yaml", "a1", 1)]))
    cache.put_summary("b.yaml", 7, summarize([event("b.yaml", "b1", 2)]))
    held, missing = cache.summaries((("a.yaml", 2), ("b.yaml", 7)))
    assert list(held) == ["b.yaml"] and missing == [("a.yaml", 2)]  # never the old generation under the new stamp
    cache.put_summary("a.yaml", 2, summarize([event("a.yaml", "a5", 5)]))
    held, missing = cache.summaries((("a.yaml", 1),))
    assert held == {} and missing == [("a.yaml", 1)]  # generation 1 was dropped when 2 came


def test_only_the_last_few_windows_are_kept_and_callers_get_their_own_list():
    cache = NearCache()
    stamp = (("a.yaml", 1),)
    minutes = [DAY + timedelta(minutes=n) for n in range(WINDOWS_KEPT + 3)]
    for minute in minutes:
        cache.put_window(stamp, minute, [event("a.yaml", "a1", 1)])
    assert cache.window(stamp, minutes[0]) is None
    assert cache.window((("a.yaml", 2),), minutes[-1]) is None
    cache.window(stamp, minutes[-1]).clear()
    assert len(cache.window(stamp, minutes[-1])) == 1

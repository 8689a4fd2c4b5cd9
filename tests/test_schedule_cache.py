"""The in-memory schedule: each source's events by generation, merged in start order, never a stale generation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from successbot.schedules.model import Event, Kind
from successbot.storage.schedule_cache import EventCache

DAY = datetime(2027, 2, 1, tzinfo=UTC)


def event(source: str, title: str, day: int) -> Event:
    start = DAY + timedelta(days=day)
    return Event(Kind.DEADLINE, title, start, start, source, title)


def test_nothing_is_merged_until_every_source_of_the_stamp_is_held():
    cache = EventCache()
    stamp = (("a.yaml", 1), ("b.yaml", 7))
    assert cache.merged(stamp) is None and cache.missing(stamp) == ["a.yaml", "b.yaml"]
    cache.put("a.yaml", 1, [event("a.yaml", "a1", 1), event("a.yaml", "a3", 3)])
    assert cache.merged(stamp) is None and cache.missing(stamp) == ["b.yaml"]
    cache.put("b.yaml", 7, [event("b.yaml", "b1", 1), event("b.yaml", "b2", 2)])
    assert [e.title for e in cache.merged(stamp)] == ["a1", "b1", "b2", "a3"]  # by start; a tie: by source


def test_a_new_generation_of_one_source_replaces_only_that_source():
    cache = EventCache()
    cache.put("a.yaml", 1, [event("a.yaml", "a1", 1)])
    cache.put("b.yaml", 7, [event("b.yaml", "b1", 2)])
    assert cache.missing((("a.yaml", 2), ("b.yaml", 7))) == ["a.yaml"]
    assert cache.merged((("a.yaml", 2), ("b.yaml", 7))) is None  # never the old generation under the new stamp
    cache.put("a.yaml", 2, [event("a.yaml", "a5", 5)])
    assert [e.title for e in cache.merged((("a.yaml", 2), ("b.yaml", 7)))] == ["b1", "a5"]


def test_a_source_no_longer_in_the_stamp_is_left_out():
    cache = EventCache()
    cache.put("a.yaml", 1, [event("a.yaml", "a1", 1)])
    cache.put("gone.yaml", 3, [event("gone.yaml", "g1", 1)])
    assert [e.title for e in cache.merged((("a.yaml", 1),))] == ["a1"]


def test_callers_get_their_own_list():
    cache = EventCache()
    cache.put("a.yaml", 1, [event("a.yaml", "a1", 1)])
    cache.merged((("a.yaml", 1),)).clear()
    assert len(cache.merged((("a.yaml", 1),))) == 1

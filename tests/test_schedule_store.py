"""The schedule in SQL (SQLite and PostgreSQL): a source's events are replaced whole, and the others are left alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from harness import OPENSTACK_DATA
from pgserver import BACKENDS
from successbot.core.ports import StorageError
from successbot.schedules.sources import load_location

AT = datetime(2026, 11, 28, tzinfo=UTC)

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def events_of(name: str):
    return load_location(str(OPENSTACK_DATA / name)).events


def test_replacing_one_source_leaves_the_others_untouched(schedule_store):
    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT, "openstack-releases")
    schedule_store.replace_source("election", events_of("election/configuration-2027.1.yaml"), AT)
    schedule_store.replace_source("election", events_of("election/configuration-2026.2.yaml")[:2], AT)
    sources = {event.source for event in schedule_store.events()}
    assert sources == {"indri", "election"}
    assert len([e for e in schedule_store.events() if e.source == "indri"]) == 42
    assert [s.event_count for s in schedule_store.sources()] == [2, 42]


def test_events_come_back_as_they_went_in(schedule_store):
    stored = events_of("releases/hibiscus/schedule.yaml")
    schedule_store.replace_source("hibiscus", stored, AT)
    back = schedule_store.events()
    assert sorted(back, key=repr) == sorted((replace(e, source="hibiscus") for e in stored), key=repr)


def test_a_replacement_that_fails_keeps_the_previous_events(schedule_store):
    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    fresh = events_of("releases/indri/schedule.yaml")
    broken = [*fresh[:10], replace(fresh[10], title=None)]  # the database refuses it after the delete ran
    with pytest.raises(StorageError):
        schedule_store.replace_source("indri", broken, AT)
    assert len(schedule_store.events()) == 42
    assert schedule_store.sources()[0].event_count == 42


def test_a_failure_is_recorded_and_the_events_stay(schedule_store):
    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    schedule_store.record_failure("indri", "cannot fetch it: HTTP 503", AT)
    (state,) = schedule_store.sources()
    assert (state.problem, state.event_count, state.loaded_at) == ("cannot fetch it: HTTP 503", 42, AT)
    assert len(schedule_store.events()) == 42


def test_a_refresh_by_another_instance_is_seen_despite_the_cache(schedule_store, engine):
    from successbot.storage.schedule import SqlScheduleStore

    other_instance = SqlScheduleStore(engine)
    first = events_of("election/configuration-2027.1.yaml")[:2]
    schedule_store.replace_source("a.yaml", first, AT)
    assert len(schedule_store.events()) == 2  # read, and now cached
    moved = [replace(event, title=event.title + " (moved)", source="a.yaml") for event in first]
    other_instance.replace_source("a.yaml", moved, AT)  # the same count, at the same instant
    assert [event.title for event in schedule_store.events()] == [event.title for event in moved]

"""The schedule in SQL (SQLite and PostgreSQL): a source's events are replaced whole, and the others are left alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

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


def test_a_large_replacement_never_writes_more_than_a_slice_per_transaction(schedule_store, engine, monkeypatch):
    import successbot.storage.schedule as schedule_module

    monkeypatch.setattr(schedule_module, "STAGING_ROWS", 10)
    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    rows_per_transaction: list[int] = []
    written = [0]

    def count_rows(_conn, cursor, statement, parameters, _context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "DELETE", "UPDATE")):
            written[0] += len(parameters) if executemany else max(cursor.rowcount, 0)

    def on_commit(_conn):
        rows_per_transaction.append(written[0])
        written[0] = 0

    event.listen(engine, "after_cursor_execute", count_rows)
    event.listen(engine, "commit", on_commit)
    try:
        schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    finally:
        event.remove(engine, "after_cursor_execute", count_rows)
        event.remove(engine, "commit", on_commit)
    writes = [rows for rows in rows_per_transaction if rows]
    assert max(writes) <= 10  # 42 new events, 42 old ones, a source row: none of it in one long transaction
    assert sum(writes) >= 42 + 42 + 1
    assert len(schedule_store.events()) == 42


def test_staged_events_stay_unseen_until_the_switch(schedule_store, monkeypatch):
    import successbot.storage.schedule as schedule_module

    monkeypatch.setattr(schedule_module, "STAGING_ROWS", 5)
    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    seen_while_staged = []
    switch = schedule_store._switch

    def look_first(*args):
        seen_while_staged.append([e.title for e in schedule_store.events()])
        return switch(*args)

    monkeypatch.setattr(schedule_store, "_switch", look_first)
    election = events_of("election/configuration-2027.1.yaml")
    schedule_store.replace_source("indri", election, AT)
    assert len(seen_while_staged[0]) == 42 and "PTL Nominations" not in seen_while_staged[0]
    assert sorted(e.title for e in schedule_store.events()) == sorted(e.title for e in election)


def test_a_staging_cut_short_is_unseen_and_deleted_once_an_hour_old(engine, monkeypatch):
    from successbot.storage.schedule import SqlScheduleStore

    now = [1_800_000_000.0]
    store = SqlScheduleStore(engine, wall_clock=lambda: now[0])
    store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)

    def die(*_args):
        raise SystemExit("killed between staging and switching")

    with monkeypatch.context() as patched:
        patched.setattr(store, "_switch", die)
        with pytest.raises(SystemExit):
            store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    assert len(store.events()) == 42 and stored_rows(engine) == 84
    now[0] += 60  # a minute later the staging may be another instance's, still running: left alone
    store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    assert stored_rows(engine) == 84
    now[0] += 3600
    store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    assert len(store.events()) == 42 and stored_rows(engine) == 42


def test_two_instances_replacing_one_source_at_once_leave_one_whole_set(schedule_store, engine, monkeypatch):
    from successbot.storage.schedule import SqlScheduleStore

    other_instance = SqlScheduleStore(engine)
    schedule_store.replace_source("s.yaml", events_of("releases/indri/schedule.yaml"), AT)
    election = [replace(e, source="s.yaml") for e in events_of("election/configuration-2027.1.yaml")]
    switch = schedule_store._switch

    def other_instance_goes_first(*args):
        other_instance.replace_source("s.yaml", events_of("releases/indri/schedule.yaml"), AT)
        return switch(*args)

    monkeypatch.setattr(schedule_store, "_switch", other_instance_goes_first)
    schedule_store.replace_source("s.yaml", election, AT)  # staged; the other instance replaced it meanwhile
    assert sorted(e.title for e in schedule_store.events()) == sorted(e.title for e in election)
    assert stored_rows(engine) == len(election)
    assert other_instance.events() == schedule_store.events()


def stored_rows(engine) -> int:
    from sqlalchemy import func, select

    from successbot.storage.models import ScheduleEventRow

    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(ScheduleEventRow)).scalar_one()


def statements_during(engine, action):
    statements: list[str] = []

    def note(_conn, _cursor, statement, parameters, *_args):
        statements.append(statement + " " + str(parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return result, statements


def test_a_refresh_here_is_near_at_once_without_reading_its_summary_back(schedule_store, engine):
    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    near, statements = statements_during(engine, lambda: schedule_store.events_near(AT))
    assert near and all(e.source == "indri" for e in near)
    assert not [s for s in statements if "summary" in s]  # handed over by the refresh, not read
    # Every read of the events (each arm of a UNION ALL) is bounded: a LIMIT on one index's range.
    reads = [part for s in statements for part in s.split("FROM schedule_events")[1:]]
    assert reads and all(" LIMIT " in part for part in reads)


def test_another_instance_refreshing_one_source_costs_a_read_of_that_source_summary_only(schedule_store, engine):
    from successbot.storage.schedule import SqlScheduleStore

    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    schedule_store.replace_source("election", events_of("election/configuration-2027.1.yaml"), AT)
    other_instance = SqlScheduleStore(engine)
    assert sorted(e.title for e in other_instance.events_near(AT)) == sorted(
        e.title for e in schedule_store.events_near(AT)
    )
    schedule_store.replace_source("election", events_of("election/configuration-2026.2.yaml"), AT)
    fresh, statements = statements_during(engine, lambda: other_instance.events_near(AT))
    assert sorted(e.title for e in fresh) == sorted(e.title for e in schedule_store.events_near(AT))
    summaries = [s for s in statements if "schedule_sources.summary" in s]
    assert len(summaries) == 1  # one statement, for the election's summary, not Indri's again
    assert "election" in summaries[0] and "indri" not in summaries[0]


def test_near_events_asked_again_with_nothing_committed_meanwhile_read_nothing_on_sqlite(
    schedule_store, engine, backend
):
    schedule_store.replace_source("indri", events_of("releases/indri/schedule.yaml"), AT)
    first = schedule_store.events_near(AT)
    again, statements = statements_during(engine, lambda: schedule_store.events_near(AT))
    assert again == first
    if backend == "sqlite":
        assert statements == []  # SQLite says nothing was committed since: the stamp stands
    else:
        assert len(statements) == 1  # elsewhere the stamp is read each time


def test_near_events_follow_a_commit_by_another_process_at_once(schedule_store, engine, database_url):
    from successbot.storage.database import make_engine
    from successbot.storage.schedule import SqlScheduleStore

    schedule_store.replace_source("a.yaml", events_of("election/configuration-2027.1.yaml"), AT)
    assert {e.title for e in schedule_store.events_near(AT)}  # read, and the stamp kept
    elsewhere = make_engine(database_url)  # another process's connections to the same database
    try:
        moved = [replace(e, title=f"{e.title} (moved)") for e in events_of("election/configuration-2027.1.yaml")]
        SqlScheduleStore(elsewhere).replace_source("a.yaml", moved, AT)
    finally:
        elsewhere.dispose()
    titles = [e.title for e in schedule_store.events_near(AT) if e.source == "a.yaml"]
    assert titles and all(title.endswith("(moved)") for title in titles)

"""Refreshing the schedule sources: one log line per refresh, and a large source never holds up a #success."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from big_schedule import large_schedule_events
from harness import OPENSTACK_DATA
from successbot.core.successes import NewSuccess
from successbot.schedules.model import ImportResult
from successbot.schedules.sources import ScheduleService, refresh_sources
from successbot.storage.database import DEFAULT_BUSY_TIMEOUT, make_engine
from successbot.storage.schedule import SqlScheduleStore
from successbot.storage.successes import SqlSuccessStore

AT = datetime(2026, 12, 1, tzinfo=UTC)
OCATA = str(OPENSTACK_DATA / "releases/ocata/schedule.yaml")  # its importer notes repeated and unsorted weeks
ELECTION = str(OPENSTACK_DATA / "election/configuration-2027.1.yaml")


def ticking(*readings: float):
    values = iter(readings)
    return lambda: next(values)


def test_a_refresh_is_one_info_line_with_its_counts_and_the_notes_only_at_debug(schedule_store, tmp_path, caplog):
    missing = str(tmp_path / "missing.yaml")
    caplog.set_level(logging.DEBUG, logger="successbot.schedules.sources")
    outcomes = refresh_sources(schedule_store, (OCATA, ELECTION, missing), AT, monotonic=ticking(10.0, 12.25))
    ocata, election, _missing = outcomes
    assert ocata.notes >= 3 and election.notes == 0
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert info == [
        f"schedule refreshed in 2.2s: 2 of 3 sources read, {ocata.event_count + election.event_count} events; "
        f"1 failed: missing.yaml (kept 0); {ocata.notes} entries ignored or adjusted (listed at log level debug)"
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"schedule source {missing}: cannot read it: no such file; keeping its last 0 events"]
    notes = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(notes) == ocata.notes and any("repeats the week of Mon 31 Oct 2016" in note for note in notes)


def test_a_refresh_of_good_sources_says_only_what_it_read(schedule_store, caplog):
    caplog.set_level(logging.INFO, logger="successbot.schedules.sources")
    (outcome,) = refresh_sources(schedule_store, (ELECTION,), AT, monotonic=ticking(0.0, 0.04))
    assert [r.getMessage() for r in caplog.records] == [
        f"schedule refreshed in 0.0s: 1 of 1 sources read, {outcome.event_count} events"
    ]


def test_storing_a_63000_event_source_never_refuses_a_success_nor_holds_it_long(
    tmp_path, migrated_template, record_property
):
    """The store's side of a large refresh: 63,000 new events written while another thread adds successes.

    The running bot parses its sources in a process of its own (``schedules.worker``), so what its threads share
    with a refresh is the store writing the new events; the parse is handed over here as done, and reading a real
    20 MB calendar through that process is ``integration/test_runtime.py``'s 20 MB test.
    """
    database = tmp_path / "bot.db"
    database.write_bytes(migrated_template.read_bytes())
    url = f"sqlite:///{database}"
    source = str(tmp_path / "community.ics")
    meetings = 63_000
    store = SqlScheduleStore(make_engine(url))
    store.replace_source(source, large_schedule_events(source, meetings), AT, "ics")  # the last refresh's
    writing: list[float] = []  # when the store began and finished writing the new events
    replace_source = store.replace_source

    def timed_replace(*args, **kwargs):
        writing.append(time.monotonic())
        try:
            return replace_source(*args, **kwargs)
        finally:
            writing.append(time.monotonic())

    store.replace_source = timed_replace  # type: ignore[method-assign]
    parsed = ImportResult(large_schedule_events(source, meetings))  # what the calendar's parse hands back

    def load_all(locations, timeout, max_bytes):
        time.sleep(0.5)  # some adds before the store starts writing, as while a source is read
        return [parsed for _ in locations]

    service = ScheduleService(store, (source,), load_all=load_all)
    # The bot's other thread, with its own engine and connections, as the IRC side has.
    successes = SqlSuccessStore(make_engine(url, DEFAULT_BUSY_TIMEOUT))
    outcomes = []
    refresh = threading.Thread(target=lambda: outcomes.extend(service.refresh(AT)))
    adds: list[tuple[float, float]] = []  # (started, took)
    refused = []
    refresh.start()
    while refresh.is_alive():
        started = time.monotonic()
        try:
            successes.add(NewSuccess(f"fixed thing {len(adds)}", "alice", "#dev", datetime.now(UTC), network="test"))
        except Exception as error:  # a StorageError ("database is locked") is what this test is about
            refused.append(error)
        adds.append((started, time.monotonic() - started))
        time.sleep(0.005)
    refresh.join()
    assert [(o.event_count, o.problem) for o in outcomes] == [(meetings, None)]
    assert refused == []
    during_writes = [took for started, took in adds if writing[0] <= started <= writing[1]]
    longest = max(took for _started, took in adds)
    record_property("longest_add_seconds", round(longest, 3))
    record_property("longest_add_while_the_store_wrote_seconds", round(max(during_writes, default=0), 3))
    record_property("adds_while_the_store_wrote", len(during_writes))
    assert len(during_writes) >= 10, f"only {len(during_writes)} adds while the new events were written"
    # Writing 63,000 events holds SQLite's lock only in short slices (it used to hold it for 10 s) ...
    assert max(during_writes) < DEFAULT_BUSY_TIMEOUT / 10, f"a success waited {max(during_writes):.2f}s for the lock"
    # ... and no add, before the writing or during it, comes near the busy timeout.
    assert longest < DEFAULT_BUSY_TIMEOUT / 2, f"a success waited {longest:.2f}s"
    assert len(store.events()) == meetings

"""The events near an instant: the same answers as from every event, and bounded work however many are stored.

``!deadline``, ``!election`` and the announcer ask ``ScheduleStore.events_near``;
200,000 stored events once made the first ``!deadline`` read them all (13 s,
485 MB). Here: at hundreds of instants over the real OpenStack data and a
large calendar, every command answers exactly as it would from every event;
with 200,000 events the first ``!deadline`` of a bot just started turns a
bounded number of rows into events and does no more SQLite work than with
2,000.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, update

import successbot.storage.schedule as schedule_module
from big_schedule import FIRST, SPACING, large_schedule_events
from harness import Channel, make_core
from pgserver import BACKENDS
from successbot.core.clock import FixedClock
from successbot.schedules.model import Event, Kind
from successbot.schedules.sources import ScheduleService
from successbot.storage.database import make_engine
from successbot.storage.models import ScheduleSourceRow
from successbot.storage.schedule import ARMS_PER_STATEMENT, NEAR_ROWS, SqlScheduleStore
from successbot.storage.successes import SqlSuccessStore
from test_schedule_commands import ALL_SOURCES

LOADED_AT = datetime(2026, 11, 28, tzinfo=UTC)
CALENDAR = "community.ics"
COMMANDS = (
    "!deadline",
    "!deadline all",
    "!deadline nova",
    "!deadline indri",
    "!deadline ocata",
    "!deadline 2026.2",
    "!election",
    "!election tc",
)


class EveryEvent:
    """A store answering every question from all of its events: what ``events_near`` must agree with."""

    def __init__(self, store: SqlScheduleStore) -> None:
        self._store = store
        self._events = store.events()

    def events(self) -> list[Event]:
        return list(self._events)

    def events_near(self, at: datetime) -> list[Event]:
        return list(self._events)

    def sources(self):  # type: ignore[no-untyped-def]
        return self._store.sources()


def community_calls(source: str, count: int) -> list[Event]:
    """Daily cross-project calls around Hibiscus and Indri: many events of one kind, no project, near the deadlines."""
    first = datetime(2026, 8, 3, 16, 0, tzinfo=UTC)
    return [
        Event(Kind.DEADLINE, f"Community call {n}", first + timedelta(days=n), first + timedelta(days=n, hours=1),
              source, f"call {n}")
        for n in range(count)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    path = tmp_path_factory.mktemp("near") / "loaded.db"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    store = SqlScheduleStore(engine)
    outcomes = ScheduleService(store, ALL_SOURCES).refresh(LOADED_AT)
    assert [outcome.problem for outcome in outcomes] == [None] * len(ALL_SOURCES)
    store.replace_source(CALENDAR, large_schedule_events(CALENDAR, 400), LOADED_AT, "ics")
    store.replace_source("calls.yaml", community_calls("calls.yaml", 150), LOADED_AT, "successbot")
    engine.dispose()
    return path


def instants(events: list[Event]) -> list[datetime]:
    """Every 41 days from 2015 to 2028, and around the edges of weeks, phases, releases and calendar meetings."""
    found = [datetime(2015, 10, 1, 9, 30, tzinfo=UTC) + timedelta(days=41 * n) for n in range(112)]
    edges = [e for e in events if e.kind in (Kind.CYCLE_WEEK, Kind.ELECTION_PHASE, Kind.FINAL_RELEASE)][::11]
    edges += [e for e in events if e.source in (CALENDAR, "calls.yaml")][::40]
    for edge in edges:
        found += [edge.start, edge.end, edge.end - timedelta(minutes=1), edge.start + timedelta(minutes=1)]
    return sorted(set(found))


def test_every_command_answers_from_the_events_near_as_from_every_event(loaded: Path, tmp_path: Path):
    path = tmp_path / "bot.db"
    shutil.copy(loaded, path)
    engine = make_engine(f"sqlite:///{path}")
    near_store = SqlScheduleStore(engine)
    every = EveryEvent(near_store)
    successes = SqlSuccessStore(engine)
    near_core = make_core(successes, schedule=ScheduleService(near_store, ()))
    every_core = make_core(successes, schedule=ScheduleService(every, ()))  # type: ignore[arg-type]
    moments = instants(every.events())
    assert len(moments) > 200
    compared = 0
    for moment in moments:
        clock = FixedClock(moment)
        for command in COMMANDS:
            expected = Channel(every_core, clock).say(command)
            assert Channel(near_core, clock).say(command) == expected, (moment, command)
            compared += 1
    assert compared == len(moments) * len(COMMANDS)
    engine.dispose()


def test_a_source_stored_without_a_summary_is_answered_the_same(loaded: Path, tmp_path: Path):
    path = tmp_path / "bot.db"
    shutil.copy(loaded, path)
    engine = make_engine(f"sqlite:///{path}")
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    with_summary = SqlScheduleStore(engine).events_near(at)
    with engine.begin() as connection:  # as rows written before migration 0005 are
        connection.execute(update(ScheduleSourceRow).values(summary=None))
    assert SqlScheduleStore(engine).events_near(at) == with_summary
    engine.dispose()


def every_read_is_limited(statements: list[str]) -> bool:
    """Whether each read of ``schedule_events``, on its own or as an arm of a UNION ALL, has its LIMIT."""
    reads = [part for statement in statements for part in statement.split("FROM schedule_events")[1:]]
    return bool(reads) and all(" LIMIT " in part for part in reads)


def filled(url: str, meetings: int) -> SqlScheduleStore:
    store = SqlScheduleStore(make_engine(url))
    indri = next(source for source in ALL_SOURCES if "indri" in source)
    ScheduleService(store, (indri,)).refresh(LOADED_AT)
    store.replace_source(CALENDAR, large_schedule_events(CALENDAR, meetings), LOADED_AT, "ics")
    return store


def first_deadline(url: str, at: datetime, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int, int, list[str]]:
    """A bot just started on ``url`` answers one !deadline: its reply, rows made events, SQLite steps, statements."""
    engine = make_engine(url)
    store = SqlScheduleStore(engine)  # nothing in memory yet
    made = []
    to_event = schedule_module._to_event
    monkeypatch.setattr(schedule_module, "_to_event", lambda *columns: made.append(1) or to_event(*columns))
    steps = [0]
    statements: list[str] = []

    def count_steps() -> int:
        steps[0] += 1
        return 0  # go on

    def before(connection, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)
        connection.connection.driver_connection.set_progress_handler(count_steps, 100)

    event.listen(engine, "before_cursor_execute", before)
    core = make_core(SqlSuccessStore(make_engine(url)), schedule=ScheduleService(store, ()))
    reply = Channel(core, FixedClock(at)).say("!deadline nova")
    event.remove(engine, "before_cursor_execute", before)
    monkeypatch.setattr(schedule_module, "_to_event", to_event)
    engine.dispose()
    return reply, len(made), steps[0], statements


def test_with_200000_events_the_first_deadline_reads_a_bounded_number_of_rows(
    tmp_path: Path, migrated_template: Path, monkeypatch: pytest.MonkeyPatch
):
    sizes = {}
    for meetings in (2_000, 200_000):
        path = tmp_path / f"{meetings}.db"
        shutil.copy(migrated_template, path)
        filled(f"sqlite:///{path}", meetings)
        sizes[meetings] = f"sqlite:///{path}"
    # In the middle of the large calendar: 100,000 meetings before, 100,000 after (and the small one long over).
    at = FIRST + 100_000 * SPACING + timedelta(minutes=5)
    small_reply, small_rows, small_steps, _ = first_deadline(sizes[2_000], at, monkeypatch)
    reply, rows, steps, statements = first_deadline(sizes[200_000], at, monkeypatch)
    assert "Nova team meeting 100000" in reply[0] or "Nova team meeting 100010" in reply[0], reply
    # Rows turned into events: of each kind and project, at most NEAR_ROWS each side, and a few representatives.
    groups = 1 + 10 + 7  # the calendar's deadlines of its ten teams, Indri's kinds
    assert rows <= groups * 2 * NEAR_ROWS + 50, rows
    assert rows < 200_000 / 100
    # Every read of the events (each arm of a UNION ALL) is a LIMIT over one index's range: no more SQLite
    # work than with 2,000 events.
    assert every_read_is_limited(statements), statements
    assert steps <= 3 * small_steps + 200, (steps, small_steps)
    assert small_rows > 0 and small_reply


def test_every_source_s_groups_are_looked_up_however_many_sources_name_how_many(tmp_path: Path, migrated_template):
    """Each summary holds at most MAX_GROUPS groups; the union of several sources' groups may hold more."""
    path = tmp_path / "many.db"
    shutil.copy(migrated_template, path)
    store = SqlScheduleStore(make_engine(f"sqlite:///{path}"))
    day = datetime(2027, 1, 4, tzinfo=UTC)
    for number in range(3):
        source = f"team-{number}.yaml"
        events = [
            Event(Kind.DEADLINE, f"Team {number}-{n} freeze", day, day + timedelta(days=1), source, f"row {n}",
                  all_day=True, project=f"team{number}x{n:03}")
            for n in range(150)
        ]  # fmt: skip
        store.replace_source(source, events, LOADED_AT, "successbot")
    near = {event.project for event in store.events_near(day - timedelta(days=3))}
    assert {f"team{number}x{n:03}" for number in range(3) for n in range(150)} <= near


def test_a_new_minute_costs_a_few_statements_however_many_groups(loaded: Path, tmp_path: Path):
    """Some 240 groups of every OpenStack series once cost a statement each, 198 a new minute; now a UNION ALL."""
    path = tmp_path / "bot.db"
    shutil.copy(loaded, path)
    engine = make_engine(f"sqlite:///{path}")
    store = SqlScheduleStore(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _k, statement, *_a: statements.append(statement))
    at = datetime(2016, 3, 1, 9, 30, tzinfo=UTC)
    first = store.events_near(at)
    statements.clear()
    for minute in range(1, 4):
        near = store.events_near(at + timedelta(minutes=minute))
    reads = [statement for statement in statements if "FROM schedule_events" in statement]
    arms = sum(statement.count("FROM schedule_events") for statement in reads) // 3
    assert arms > 200  # each minute, one per group and per kind and project, as the separate queries were
    assert len(reads) == 3 * -(-arms // ARMS_PER_STATEMENT) == 9, len(reads)  # a UNION ALL of each hundred
    assert len(statements) == len(reads) + 3  # and the stamp
    assert every_read_is_limited(reads)
    assert near and first and SqlScheduleStore(engine).events_near(at + timedelta(minutes=3)) == near
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_on_each_backend_every_command_answers_from_the_events_near_as_from_every_event(database_url: str):
    """The UNION ALL, its switched-off arms and its rendered generations, on SQLite and PostgreSQL alike."""
    engine = make_engine(database_url)
    store = SqlScheduleStore(engine)
    sources = [source for source in ALL_SOURCES if any(name in source for name in ("indri", "2026.2", "hibiscus"))]
    outcomes = ScheduleService(store, sources).refresh(LOADED_AT)
    assert [outcome.problem for outcome in outcomes] == [None] * len(sources) and len(sources) >= 2
    store.replace_source(CALENDAR, large_schedule_events(CALENDAR, 60), LOADED_AT, "ics")
    store.replace_source("calls.yaml", community_calls("calls.yaml", 40), LOADED_AT, "successbot")
    every = EveryEvent(store)
    successes = SqlSuccessStore(engine)
    near_core = make_core(successes, schedule=ScheduleService(store, ()))
    every_core = make_core(successes, schedule=ScheduleService(every, ()))  # type: ignore[arg-type]
    moments = instants(every.events())[::3]
    assert len(moments) > 40
    for moment in moments:
        clock = FixedClock(moment)
        for command in COMMANDS:
            assert Channel(near_core, clock).say(command) == Channel(every_core, clock).say(command), (moment, command)
    engine.dispose()

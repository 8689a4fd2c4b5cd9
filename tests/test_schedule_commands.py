"""!deadline and !election pinned at chosen instants in the real OpenStack data, and properties for any instant."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness import EXAMPLE_SOURCES, OPENSTACK_DATA, Channel, make_core
from successbot.commands.schedule import reload_summary
from successbot.core.clock import FixedClock
from successbot.schedules.model import Kind
from successbot.schedules.queries import cycle_over_at, cycle_week_at, upcoming_deadlines
from successbot.schedules.sources import ScheduleService
from successbot.storage.database import make_engine
from successbot.storage.schedule import SqlScheduleStore
from successbot.storage.successes import SqlSuccessStore
from test_schedule_truth import NEWEST_FIRST, RELEASE_IDS, every_named_row, expected_head, expected_week

ALL_SOURCES = tuple(
    str(path)
    for pattern in ("releases/*/schedule.yaml", "releases/*/schedule.rst", "election/*.yaml")
    for path in sorted(OPENSTACK_DATA.glob(pattern))
    if not (path.name == "schedule.rst" and (path.parent / "schedule.yaml").exists())
)


@pytest.fixture(scope="module")
def loaded_database(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """Every real source imported once; each test works on a copy."""
    path = tmp_path_factory.mktemp("schedule") / "loaded.db"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    outcomes = ScheduleService(SqlScheduleStore(engine), ALL_SOURCES).refresh(datetime(2026, 11, 28, tzinfo=UTC))
    assert [outcome.problem for outcome in outcomes] == [None] * len(ALL_SOURCES)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def bot(tmp_path: Path, loaded_database: Path):
    path = tmp_path / "bot.db"
    shutil.copy(loaded_database, path)
    engine = make_engine(f"sqlite:///{path}")
    schedule = ScheduleService(SqlScheduleStore(engine), ALL_SOURCES)
    core = make_core(SqlSuccessStore(engine), admins=("root",), schedule=schedule)
    yield lambda text, at: Channel(core, FixedClock(at)).say(text)
    engine.dispose()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_deadline_in_the_middle_of_the_indri_cycle(bot):
    assert bot("!deadline", at("2026-11-14T12:00")) == [
        "Indri (2027.1), week R-19. Next deadlines (UTC): Indri-1 milestone, Thu 19 Nov 2026 (in 5 days) · "
        "2026.2 Hibiscus Cycle-Trailing Release Deadline, Thu 3 Dec 2026 (in 19 days) · "
        "Indri-2 milestone, Thu 14 Jan 2027 (in 61 days)"
    ]


def test_deadline_in_release_week(bot):
    assert bot("!deadline", at("2026-09-29T09:00")) == [
        "Hibiscus (2026.2), week R-0. Next deadlines (UTC): 2026.2 Hibiscus release, Wed 30 Sep 2026 (tomorrow) · "
        "PTG (virtual), Mon 12 Oct to Fri 16 Oct 2026 (in 13 days) · Indri-1 milestone, Thu 19 Nov 2026 (in 51 days)"
    ]


def test_deadline_on_the_day_says_today(bot):
    (reply,) = bot("!deadline", at("2026-09-30T18:00"))
    assert "2026.2 Hibiscus release, Wed 30 Sep 2026 (today)" in reply


def test_deadline_for_a_project_adds_its_own_events(bot):
    (reply,) = bot("!deadline nova", at("2026-05-25T08:00"))
    assert reply.startswith("Hibiscus (2026.2), week R-18. Next deadlines (UTC): ")
    assert "[nova] Nova Spec Soft Freeze, Thu 28 May 2026 (in 3 days)" in reply
    assert "[manila]" not in reply


def test_deadline_for_a_project_without_events_of_its_own_says_so(bot):
    assert bot("!deadline nova", at("2026-11-14T12:00")) == [
        "Indri (2027.1), week R-19. nova has nothing of its own ahead in Indri (2027.1). "
        "Cross-project deadlines (UTC): Indri-1 milestone, Thu 19 Nov 2026 (in 5 days) · "
        "2026.2 Hibiscus Cycle-Trailing Release Deadline, Thu 3 Dec 2026 (in 19 days) · "
        "Indri-2 milestone, Thu 14 Jan 2027 (in 61 days) · Membership Freeze, Thu 14 Jan 2027 (in 61 days) · "
        "Extra-AC freeze, Thu 4 Feb 2027 (in 82 days)"
    ]


def test_deadline_for_a_series_by_name_or_release_id(bot):
    by_name = bot("!deadline indri", at("2026-05-01T00:00"))
    assert by_name == bot("!deadline 2027.1", at("2026-05-01T00:00"))
    assert by_name[0].startswith("Indri (2027.1). Next deadlines (UTC): PTG (virtual), Mon 12 Oct to Fri 16 Oct 2026")


def test_deadline_for_a_series_counts_events_whose_title_names_it(bot):
    # The Indri file gives Hibiscus' cycle-trailing deadline: it is Hibiscus' too, by name or release id.
    expected = [
        "Hibiscus (2026.2). Next deadlines (UTC): 2026.2 Hibiscus Cycle-Trailing Release Deadline, "
        "Thu 3 Dec 2026 (in 19 days)"
    ]
    assert bot("!deadline 2026.2", at("2026-11-14T12:00")) == expected
    assert bot("!deadline hibiscus", at("2026-11-14T12:00")) == expected
    assert "Hibiscus Cycle-Trailing" in bot("!deadline indri", at("2026-11-14T12:00"))[0]


def test_deadline_all_fits_one_reply(bot):
    (reply,) = bot("!deadline all", at("2026-08-19T12:00"))
    assert len(reply) <= 400 and reply.count(" · ") >= 3 and "[nova]" in reply


def test_deadline_about_something_unknown_lists_what_is_known(bot):
    (reply,) = bot("!deadline frobnicate", at("2026-05-01T00:00"))
    assert reply.startswith("I know no series or project 'frobnicate'. Series: antelope, bobcat, epoxy, flamingo, ")


def test_deadline_after_everything_known_says_the_cycle_is_over_and_when_it_was_released(bot):
    assert bot("!deadline", at("2030-01-01T00:00")) == [
        "Indri (2027.1) is over: released Wed 24 Mar 2027. "
        "No deadlines ahead of Tue 1 Jan 2030 00:00 UTC in the schedule data."
    ]


def test_deadline_the_day_after_the_release_is_still_in_release_week(bot):
    # Found by the property test below: the release week R-0 runs on after the release day.
    assert bot("!deadline all", at("2027-03-25T00:00")) == [
        "Indri (2027.1), week R-0. No deadlines ahead of Thu 25 Mar 2027 00:00 UTC in the schedule data."
    ]


def test_an_unknown_word_is_echoed_as_typed_not_as_a_python_repr(bot):
    (reply,) = bot("!deadline it's", at("2026-05-01T00:00"))
    assert reply.startswith("I know no series or project 'it's'. Series: ")
    assert bot("!help it's", at("2026-05-01T00:00")) == ["I know no command 'it's'. Say !help for the list."]


def test_election_one_minute_before_nominations_close(bot):
    assert bot("!election", at("2026-08-19T23:44")) == [
        "Open now (UTC): PTL Nominations, closes Wed 19 Aug 2026 23:45 UTC (1 minute left) · "
        "TC Nominations, closes Wed 19 Aug 2026 23:45 UTC (1 minute left)"
    ]


def test_election_the_minute_nominations_close_names_both_elections_that_open_together(bot):
    assert bot("!election", at("2026-08-19T23:45")) == [
        "Open now (UTC): TC Campaigning, closes Wed 26 Aug 2026 23:45 UTC (7 days left). "
        "Next: PTL Election and TC Election open Wed 26 Aug 2026 23:45 UTC (in 7 days)"
    ]
    assert bot("!election ptl", at("2026-08-19T23:45")) == [
        "No election phase is open. Next: PTL Election opens Wed 26 Aug 2026 23:45 UTC (in 7 days); "
        "the last, PTL Nominations, ended Wed 19 Aug 2026 23:45 UTC."
    ]


def test_election_between_elections_names_the_phases_that_open_and_ended_together(bot):
    assert bot("!election", at("2026-05-01T00:00")) == [
        "No election phase is open. Next: PTL Nominations and TC Nominations open Wed 5 Aug 2026 23:45 UTC "
        "(in 96 days); the last, PTL Election and TC Election, ended Wed 18 Mar 2026 23:45 UTC."
    ]


def test_election_after_the_last_known_one_says_when_it_ended_and_nothing_about_files(bot):
    assert bot("!election tc", at("2030-01-01T00:00")) == [
        "No election is ahead in the schedule data. The last one ended Wed 16 Sep 2026 23:45 UTC (1202 days ago) "
        "with the TC Election."
    ]
    assert bot("!election", at("2030-01-01T00:00")) == [
        "No election is ahead in the schedule data. The last one ended Wed 16 Sep 2026 23:45 UTC (1202 days ago) "
        "with the PTL Election and TC Election."
    ]


def test_election_of_2016_from_the_old_events_format(bot):
    assert bot("!election", at("2016-03-18T00:00")) == [
        "Open now (UTC): PTL elections, closes Thu 24 Mar 2016 23:59 UTC (6 days 23 hours left). "
        "Next: TC nomination opens Fri 25 Mar 2016 00:00 UTC (in 7 days)"
    ]
    assert bot("!election tc", at("2016-04-05T12:00")) == [
        "Open now (UTC): TC elections, closes Thu 7 Apr 2016 23:59 UTC (2 days 11 hours left)"
    ]


def test_election_usage(bot):
    assert bot("!election board", at("2016-03-18T00:00")) == ["alice: Usage: !election [ptl|tc]"]


def test_without_data_one_line_says_so_and_names_the_sources(store, schedule_store, clock):
    bare = Channel(make_core(store, schedule=ScheduleService(schedule_store, EXAMPLE_SOURCES)), clock)
    assert bare.say("!deadline") == [
        "I have no schedule data (sources: mitaka/schedule.rst, events-newton-2016-03.yaml)."
    ]
    nothing = Channel(make_core(store), clock)
    assert nothing.say("!election") == [
        "I have no election data (no sources configured; "
        "add [schedule] sources or run successbot schedule import FILE)."
    ]


def test_reload_is_for_admins_and_a_failing_source_keeps_its_events(store, schedule_store, clock, tmp_path):
    broken = tmp_path / "later-broken.yaml"
    shutil.copy(OPENSTACK_DATA / "election" / "configuration-2027.1.yaml", broken)
    service = ScheduleService(schedule_store, (*EXAMPLE_SOURCES, str(broken)))
    channel = Channel(make_core(store, admins=("root",), schedule=service), clock)
    assert channel.say("!schedule reload") == ["alice: Only admins can reload the schedule."]
    assert channel.say("!schedule reload", nick="root", account="root") == [
        "root: Reloaded 3 sources, 60 events: mitaka/schedule.rst 51 · events-newton-2016-03.yaml 4 · "
        "later-broken.yaml 5"
    ]
    broken.write_text("timeline: [\n", encoding="utf-8")
    assert channel.say("!schedule reload", nick="root", account="root") == [
        "root: Reloaded 2 of 3 sources, 60 events held. 1 failed and kept its last events: later-broken.yaml. "
        "later-broken.yaml: line 2: not valid YAML: expected the node content, but found '<stream end>' "
        "(while parsing a flow node). Per source: mitaka/schedule.rst 51 · events-newton-2016-03.yaml 4 · "
        "later-broken.yaml 5"
    ]
    assert len([e for e in schedule_store.events() if e.source == str(broken)]) == 5
    (state,) = [s for s in schedule_store.sources() if s.location == str(broken)]
    assert state.problem and state.loaded_at == clock.now()


def test_reload_of_many_sources_names_every_failure_first_and_cuts_at_a_word(store, schedule_store, clock, tmp_path):
    broken = []
    for name in ("zz-first-broken.yaml", "zz-second-broken.yaml"):
        path = tmp_path / name
        path.write_text("timeline: [\n", encoding="utf-8")
        broken.append(str(path))
    service = ScheduleService(schedule_store, (*ALL_SOURCES, *broken))
    channel = Channel(make_core(store, admins=("root",), schedule=service), clock)
    (reply,) = channel.say("!schedule reload", nick="root", account="root")
    read = len(ALL_SOURCES)
    assert reply.startswith(f"root: Reloaded {read} of {read + 2} sources, ")
    assert "2 failed and kept their last events: zz-first-broken.yaml, zz-second-broken.yaml. " in reply
    assert len(reply) <= 400 and reply.endswith("…")
    whole = "root: " + reload_summary(service.refresh(clock.now()))
    kept = reply[:-1]
    assert whole.startswith(kept) and whole[len(kept)] in " ·,;:(", "the cut falls between words"


# --- properties: for any instant, nothing past is upcoming, and the order is the date order ---


@pytest.fixture(scope="module")
def every_event(loaded_database: Path) -> list:
    engine = make_engine(f"sqlite:///{loaded_database}")
    try:
        return SqlScheduleStore(engine).events()
    finally:
        engine.dispose()


instants = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


# What a Python value looks like when printed raw: None, a timedelta, an ISO date or datetime.
REPRS = re.compile(r"\bNone\b|\d+ days?, \d+:\d\d:\d\d|\d:\d\d:\d\d|\d{4}-\d\d-\d\d|datetime\(|timedelta\(")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    now=instants, text=st.sampled_from(["!deadline", "!deadline nova", "!deadline 2026.2", "!election", "!election tc"])
)
def test_schedule_replies_carry_no_python_reprs_and_one_date_style(bot, now, text):
    (reply,) = bot(text, now)
    assert not REPRS.search(reply), reply
    for day in re.findall(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ [A-Z][a-z]{2}\b(?: \d{4})?", reply):
        assert re.fullmatch(
            r"\w{3} ([1-9]|[12]\d|3[01]) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)( \d{4})?", day
        )
    assert all(re.fullmatch(r"\d\d:\d\d UTC", time) for time in re.findall(r"\d+:\d+ UTC", reply))


@settings(max_examples=300, deadline=None)
@given(now=instants, project=st.sampled_from(["", "nova", "manila", "all"]))
def test_upcoming_deadlines_are_never_past_and_in_date_order(every_event, now, project):
    found = upcoming_deadlines(every_event, now, projects=(project,), every_project=project == "all")
    assert all(not event.is_over(now) and event.end > now for event in found)
    assert [(e.start, e.end) for e in found] == sorted((e.start, e.end) for e in found)
    assert all(event.kind not in (Kind.CYCLE_WEEK, Kind.ELECTION_PHASE) for event in found)


WEEK = re.compile(r"[A-Z][a-z]+(?: \(\d{4}\.\d\))?, week R[-+]\d+\. ")
OVER = re.compile(r"[A-Z][a-z]+(?: \(\d{4}\.\d\))? is over: (?:released|its last week ended) [^.]+ \d{4}\. ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(now=instants)
@example(now=datetime(2027, 3, 25, tzinfo=UTC))  # the day after the Indri release, still its week R-0
@example(now=datetime(2027, 4, 25, tzinfo=UTC))  # after Indri's last week, before any later series' data
def test_deadline_reply_lists_no_past_event_and_keeps_date_order(bot, every_event, now):
    (reply,) = bot("!deadline all", now)
    assert len(reply) <= 400
    # Where the cycle is: its week while inside one; after a cycle's last week, that it is over; else nothing.
    head = re.split(r"Next deadlines \(UTC\): |No deadlines ahead", reply, maxsplit=1)[0]
    if cycle_week_at(every_event, now) is not None:
        assert WEEK.fullmatch(head), reply
    elif cycle_over_at(every_event, now) is not None:
        assert OVER.fullmatch(head), reply
    else:
        assert head == "", reply
    if "Next deadlines (UTC): " not in reply:
        assert reply[len(head) :].startswith("No deadlines ahead")
        assert not upcoming_deadlines(every_event, now, every_project=True)
        return
    items = reply.split("Next deadlines (UTC): ", 1)[1].split(" · ")
    assert not any(item.endswith(" ago)") for item in items)
    titles = [re.match(r"(.*?), (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d", item).group(1) for item in items]
    upcoming = upcoming_deadlines(every_event, now, every_project=True)
    assert titles == [(f"[{e.project}] " if e.project else "") + e.title for e in upcoming][: len(titles)]


# --- over all the shared series at once: the week named holds the instant, and each deadline is ahead and once ---

ITEM = re.compile(r"(?P<title>.*?), (?P<when>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d.*?) \((?P<relative>[^()]*)\)$")
SERIES_WORDS = {*NEWEST_FIRST, *RELEASE_IDS.values()}


def same_event(title: str) -> str:
    """A listed title as one event is known under every name: without series names, release ids or a label's letter."""
    words = re.findall(r"[a-z0-9]+(?:\.\d+)?", re.sub(r"^\[[^\]]*\] ", "", title.lower()))
    if re.fullmatch(r"[a-z]-[a-z0-9-]+", title):
        words = words[1:]
    return " ".join(word for word in words if word not in SERIES_WORDS)


# Any instant, or one within a day of a week's edge in the files, where overlaps and off-by-ones show.
near_week_edges = st.builds(
    lambda start, minutes: start + timedelta(minutes=minutes),
    st.sampled_from(sorted({row.week[0] for row in every_named_row()})),
    st.integers(min_value=-24 * 60, max_value=24 * 60),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(now=st.one_of(instants, near_week_edges))
@example(now=datetime(2017, 2, 27, 9, tzinfo=UTC))  # Ocata R+1 and Pike R-26 overlap
@example(now=datetime(2021, 3, 15, 12, tzinfo=UTC))  # Wallaby, whose release-week is stale
@example(now=datetime(2022, 3, 29, 12, tzinfo=UTC))  # Yoga's release week, its release-week a Wednesday
@example(now=datetime(2020, 4, 7, 12, tzinfo=UTC))  # Ussuri, whose first row runs two weeks
def test_deadline_names_the_week_holding_the_instant_and_lists_each_deadline_ahead_once(bot, now):
    (reply,) = bot("!deadline all", now)
    week = expected_week(now)
    if week is not None:
        assert reply.startswith(expected_head(week) + " "), (week, reply)
    else:
        assert ", week R" not in reply.split("(UTC)")[0], reply
    if "Next deadlines (UTC): " not in reply:
        return
    items = [ITEM.match(item) for item in reply.split("Next deadlines (UTC): ", 1)[1].removesuffix("…").split(" · ")]
    complete = [item for item in items if item is not None]  # the last may be cut to fit the line
    assert complete, reply
    assert all(not item["relative"].endswith("ago") for item in complete), reply
    seen = [(same_event(item["title"]), item["when"]) for item in complete]
    assert len(seen) == len(set(seen)), reply

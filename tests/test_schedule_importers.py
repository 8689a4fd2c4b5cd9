"""The schedule importers against the real, unedited OpenStack files, and against broken ones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from harness import OPENSTACK_DATA
from successbot.schedules.formats.detection import import_text
from successbot.schedules.formats.ics import export_calendar
from successbot.schedules.formats.plain_yaml import load_text_yaml
from successbot.schedules.formats.successbot_yaml import export_yaml
from successbot.schedules.model import Event, Kind, ScheduleImportError
from successbot.schedules.sources import load_location

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared" / "data" / "openstack"
NOW = datetime(2026, 11, 28, tzinfo=UTC)

# Every file in the data, and what becomes of it: events, or the reason it is refused.
EXPECTED = {
    "SOURCES.md": "Markdown text, not schedule data",
    "releases/series_status_schema.yaml": "a JSON schema (it describes series_status.yaml), not schedule data",
    "releases/series_status.yaml": 63,
    "releases/mitaka/schedule.rst": 51,
    "releases/newton/schedule.rst": 66,
    "releases/ocata/schedule.yaml": 57,
    "releases/epoxy/schedule.yaml": 61,
    "releases/flamingo/schedule.yaml": 60,
    "releases/gazpacho/schedule.yaml": 61,  # the Nova spec review days, 27 November and 2 December, are two
    "releases/hibiscus/schedule.yaml": 62,
    "releases/indri/schedule.yaml": 42,
    "releases/pike/schedule.yaml": 64,
    "releases/rocky/schedule.yaml": 62,
    "releases/train/schedule.yaml": 64,
    "releases/ussuri/schedule.yaml": 71,  # with its two-week pre-cycle row, reported and kept as one week
    "releases/wallaby/schedule.yaml": 55,
    "releases/yoga/schedule.yaml": 54,
    "releases/antelope/schedule.yaml": 56,
    "election/events-newton-2016-03.yaml": 4,
    "election/events-ocata-2016-09.yaml": 4,
    "election/configuration-ocata-2016-10-timelines.yaml": 4,
    "election/configuration-ocata-2016-11.yaml": 4,
    "election/configuration-queens-tc-2017-10.yaml": 3,
    "election/configuration-train-ptl-2019-02.yaml": 2,
    "election/configuration-xena-tc-vacancy-2021-04.yaml": 2,
    "election/configuration-2025.2.yaml": 5,
    "election/configuration-2026.1.yaml": 5,
    "election/configuration-2026.2.yaml": 5,
    "election/configuration-2027.1.yaml": 5,
}
PROSE_HALF = "the prose half of a release schedule (titles and days, no weeks): import the schedule.yaml beside it"
WITH_YAML = ("ocata", "pike", "rocky", "train", "ussuri", "wallaby", "yoga", "antelope")
for series in (*WITH_YAML, "epoxy", "flamingo", "gazpacho", "hibiscus", "indri"):
    EXPECTED[f"releases/{series}/schedule.rst"] = PROSE_HALF


def outcome(path: Path) -> int | str:
    try:
        return len(load_location(str(path)).events)
    except ScheduleImportError as error:
        assert error.source == str(path)
        return error.reason


def all_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_the_copy_in_tests_data_holds_every_file_listed():
    assert all_files(OPENSTACK_DATA) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_real_file_imports_or_is_refused_with_a_precise_reason(name):
    result = outcome(OPENSTACK_DATA / name)
    expected = EXPECTED[name]
    if isinstance(expected, str):
        assert isinstance(result, str) and result.startswith(expected)
    else:
        assert result == expected


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/openstack is not beside the project")
def test_every_file_in_shared_data_imports_or_is_refused_the_same_way():
    names = all_files(SHARED)
    assert names, "shared data is empty"
    for name in names:
        expected = EXPECTED.get(name)
        result = outcome(SHARED / name)
        if expected is None:  # a file added to shared/ since: it imports something, or is refused with a reason
            assert (isinstance(result, int) and result > 0) or (isinstance(result, str) and result), name
        elif isinstance(expected, int):
            assert result == expected, name
        else:
            assert isinstance(result, str) and result.startswith(expected), name


def test_yaml_keeps_release_ids_and_yes_as_text():
    data = load_text_yaml("release: 2026.2\nslurp: yes\nday: 2027-03-24\nnothing:\n")
    assert data == {"release": "2026.2", "slurp": "yes", "day": "2027-03-24", "nothing": None}


def load(name: str) -> list[Event]:
    return load_location(str(OPENSTACK_DATA / name)).events


def by_label(events: list[Event], label: str) -> Event:
    (found,) = [event for event in events if event.label == label]
    return found


def test_indri_days_come_from_the_prose_or_the_thursday_rule():
    events = load("releases/indri/schedule.yaml")
    milestone = by_label(events, "i-1")  # "19 November, 2026 is the Indri-1 milestone"
    assert (milestone.kind, milestone.title, milestone.start.date().isoformat()) == (
        Kind.MILESTONE,
        "Indri-1 milestone",
        "2026-11-19",
    )
    assert (milestone.series, milestone.release_id, milestone.project) == ("indri", "2027.1", None)
    final = by_label(events, "i-final")  # "on Wednesday, 24 March, 2027"
    assert (final.kind, final.start.date().isoformat(), final.all_day) == (Kind.FINAL_RELEASE, "2027-03-24", True)
    freeze = by_label(events, "i-mf")  # the prose names no day: the Thursday of R-10
    assert (freeze.kind, freeze.start.date().isoformat()) == (Kind.FREEZE, "2027-01-14")
    ptg = by_label(events, "i-vptg")  # "From 12 to 16 October, 2026"
    assert (ptg.start.date().isoformat(), ptg.last_day.isoformat()) == ("2026-10-12", "2026-10-16")
    assert "h-final" not in {event.label for event in events}  # Hibiscus' release, left to Hibiscus' schedule


def test_next_series_labels_belong_to_the_next_series_and_span_their_weeks():
    events = load("releases/hibiscus/schedule.yaml")
    nominations = by_label(events, "i-election-nominations")
    assert (nominations.kind, nominations.series, nominations.release_id) == (Kind.ELECTION_PHASE, "indri", "2027.1")
    assert (nominations.start.date().isoformat(), nominations.last_day.isoformat()) == ("2026-08-03", "2026-08-21")
    reviews = [event for event in events if event.label == "h-nova-spec-review-day"]
    assert [event.start.date().isoformat() for event in reviews] == ["2026-05-21", "2026-06-04"]
    assert {event.project for event in reviews} == {"nova"}


def test_ocata_unsorted_and_repeated_weeks_are_read_and_reported():
    result = load_location(str(OPENSTACK_DATA / "releases/ocata/schedule.yaml"))
    weeks = [event for event in result.events if event.kind is Kind.CYCLE_WEEK]
    assert [week.start for week in weeks] == sorted(week.start for week in weeks)
    assert any("repeats the week of Mon 31 Oct 2016" in note for note in result.notes)
    assert any("not in date order" in note for note in result.notes)
    assert any("n-release ignored" in note for note in result.notes)


def test_mitaka_table_gets_its_years_from_the_weekdays():
    events = load("releases/mitaka/schedule.rst")
    weeks = {event.title: event.start.date().isoformat() for event in events if event.kind is Kind.CYCLE_WEEK}
    assert (weeks["R-24"], weeks["R-5"]) == ("2015-10-19", "2016-02-29")
    assert by_label(events, "m-release").start.date().isoformat() == "2016-04-07"  # "on April 7th"
    assert by_label(events, "m-key-bp-freeze").project == "keystone"  # from the prose's heading, not "key"


def test_election_dates_edited_mid_flight_are_kept_as_instants():
    result = load_location(str(OPENSTACK_DATA / "election/configuration-2025.2.yaml"))
    election = next(event for event in result.events if event.title == "PTL Election")
    assert election.start == election.end == datetime(2025, 2, 26, 23, 45, tzinfo=UTC)
    assert election.release_id == "2025.2"
    assert any("ends when it starts" in note for note in result.notes)


def test_2016_events_pair_starts_with_ends():
    events = load("election/events-newton-2016-03.yaml")
    assert next((e.title, e.start.isoformat(), e.end.isoformat()) for e in events) == (
        "PTL nomination",
        "2016-03-11T00:00:00+00:00",
        "2016-03-17T23:59:00+00:00",
    )


def refused(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleImportError) as caught:
        load_location(str(path))
    message = str(caught.value)
    assert "\n" not in message
    return message.removeprefix(str(path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "timeline:\n  - name: PTL Nominations\n    start: 2026-08-05T23:45\n    end: 2026-08-19\n",
            ":2: timeline[0] (PTL Nominations) end: expected a UTC time YYYY-MM-DDTHH:MM, found '2026-08-19'",
        ),
        (
            "timeline:\n  - name: TC\n    start: 2026-08-05T23:45\n    end: 2026-08-01T23:45\n",
            ":2: timeline[0] (TC): ends (Sat 1 Aug 2026 23:45 UTC) before it starts (Wed 5 Aug 2026 23:45 UTC)",
        ),
        (
            "cycle:\n  - start: 'soon'\n    end: '2026-10-09'\n  - start: 'later'\n    end: '2026-10-16'\n",
            ":2: cycle[0] start: expected a date YYYY-MM-DD, found 'soon' (and 1 more rows; no week is left)",
        ),
        ("timeline: [unclosed\n", ":2: not valid YAML: expected ',' or ']', but got '<stream end>'"),
        ("- {date: '2016-03-11T00:00', name: 'PTL nomination ends'}\n", ":1: entry 1: 'PTL nomination ends' has no"),
        (
            "successbot-schedule: 1\nevents:\n  - title: Freeze\n    kind: frozen\n    date: 2027-02-18\n",
            ":3: events[0] (Freeze): unknown kind 'frozen'; expected one of milestone",
        ),
        ("just: words\n", ": not a schedule format successbot knows (found a mapping with keys just;"),
        ("", ": the file is empty"),
    ],
)
def test_bad_file_gets_one_line_naming_file_entry_line_and_problem(tmp_path, text, expected):
    assert refused(tmp_path, "bad.yaml", text).startswith(expected)


def test_a_bad_entry_late_in_a_file_imports_nothing_from_it(tmp_path):
    good = "  - {title: One, kind: freeze, date: 2027-01-01}\n" * 3
    message = refused(tmp_path, "late.yaml", f"successbot-schedule: 1\nevents:\n{good}  - {{title: Two}}\n")
    assert message == ":6: events[3] (Two): unknown kind ''; expected one of " + ", ".join(k.value for k in Kind)


def test_the_example_file_in_the_repository_imports():
    events = load_location(str(PROJECT / "examples" / "schedule.yaml")).events
    assert [event.kind for event in events][:3] == [Kind.FREEZE, Kind.DEADLINE, Kind.FREEZE]
    assert all(event.release_id == "2027.1" for event in events)


def test_ics_export_is_valid_and_imports_back_unchanged():
    events = load("releases/indri/schedule.yaml") + load("election/configuration-2027.1.yaml")
    events = [event for event in events if event.kind is not Kind.CYCLE_WEEK]
    document = export_calendar(events, NOW)
    calendar = icalendar.Calendar.from_ical(document)
    assert len(calendar.walk("VEVENT")) == len(events)
    assert all(component.get("UID") and component.get("DTSTAMP") for component in calendar.walk("VEVENT"))
    back = import_text("exported.ics", document, lambda _: None).events
    key = [(e.kind, e.title, e.start, e.end, e.all_day, e.series, e.release_id, e.project, e.label) for e in events]
    assert [
        (e.kind, e.title, e.start, e.end, e.all_day, e.series, e.release_id, e.project, e.label) for e in back
    ] == key


def test_a_foreign_calendar_imports_with_times_in_utc():
    document = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\n"
        "SUMMARY:Community call\r\nDTSTART;TZID=Europe/Paris:20260310T170000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    (event,) = import_text("call.ics", document, lambda _: None).events
    assert (event.kind, event.start, event.end) == (
        Kind.DEADLINE,
        datetime(2026, 3, 10, 16, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 17, 0, tzinfo=UTC),
    )


def test_our_yaml_export_imports_back_unchanged():
    events = load("releases/hibiscus/schedule.yaml")
    back = import_text("mine.yaml", export_yaml(events), lambda _: None).events
    fields = [(e.kind, e.title, e.start, e.end, e.all_day, e.series, e.release_id, e.project, e.label) for e in events]
    assert [
        (e.kind, e.title, e.start, e.end, e.all_day, e.series, e.release_id, e.project, e.label) for e in back
    ] == fields


def test_forced_format_that_disagrees_with_the_content_is_refused():
    with pytest.raises(ScheduleImportError, match="not a valid iCalendar file"):
        import_text("x.yaml", "timeline: []\n", lambda _: None, "ics")
    with pytest.raises(ScheduleImportError, match="--format successbot given, but the content is openstack-election"):
        import_text("x.yaml", "timeline: []\n", lambda _: None, "successbot")

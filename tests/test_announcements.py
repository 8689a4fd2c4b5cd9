"""The announcement plan: pure, from real schedule data and a window of time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from harness import OPENSTACK_DATA
from successbot.announcements.plan import (
    ELECTION,
    RELEASE,
    SUMMARY,
    AnnouncementPolicy,
    WeeklyTime,
    parse_weekly_time,
    plan,
)
from successbot.schedules.sources import load_location

NEWTON_ELECTION = OPENSTACK_DATA / "election" / "events-newton-2016-03.yaml"
MITAKA = OPENSTACK_DATA / "releases" / "mitaka" / "schedule.rst"
INDRI = OPENSTACK_DATA / "releases" / "indri" / "schedule.yaml"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def events(*paths):
    return [event for path in paths for event in load_location(str(path)).events]


def policy(**changes) -> AnnouncementPolicy:
    base = AnnouncementPolicy(channels_by_kind={SUMMARY: ("#dev",), ELECTION: ("#dev",), RELEASE: ("#dev",)})
    return replace(base, **changes)


def listed(announcements):
    return [(f"{a.due:%Y-%m-%d %H:%M}", a.kind, a.text) for a in announcements]


def test_2016_ptl_and_tc_election_reminders_open_and_before_closing():
    found = plan(events(NEWTON_ELECTION), policy(weekly_summary=None), at("2016-03-10T00:00"), at("2016-04-09T00:00"))
    assert listed(found) == [
        ("2016-03-11 00:00", ELECTION, "PTL nomination is open until Thu 17 Mar 2016 23:59 UTC."),
        ("2016-03-15 23:59", ELECTION, "PTL nomination closes in 2 days, Thu 17 Mar 2016 23:59 UTC."),
        ("2016-03-17 19:59", ELECTION, "PTL nomination closes in 4 hours, Thu 17 Mar 2016 23:59 UTC."),
        ("2016-03-18 00:00", ELECTION, "PTL elections are open until Thu 24 Mar 2016 23:59 UTC."),
        ("2016-03-22 23:59", ELECTION, "PTL elections close in 2 days, Thu 24 Mar 2016 23:59 UTC."),
        ("2016-03-24 19:59", ELECTION, "PTL elections close in 4 hours, Thu 24 Mar 2016 23:59 UTC."),
        ("2016-03-25 00:00", ELECTION, "TC nomination is open until Thu 31 Mar 2016 23:59 UTC."),
        ("2016-03-29 23:59", ELECTION, "TC nomination closes in 2 days, Thu 31 Mar 2016 23:59 UTC."),
        ("2016-03-31 19:59", ELECTION, "TC nomination closes in 4 hours, Thu 31 Mar 2016 23:59 UTC."),
        ("2016-04-01 00:00", ELECTION, "TC elections are open until Thu 7 Apr 2016 23:59 UTC."),
        ("2016-04-05 23:59", ELECTION, "TC elections close in 2 days, Thu 7 Apr 2016 23:59 UTC."),
        ("2016-04-07 19:59", ELECTION, "TC elections close in 4 hours, Thu 7 Apr 2016 23:59 UTC."),
    ]


def test_release_week_and_day_before_reminders_from_a_real_schedule():
    found = plan(events(MITAKA), policy(weekly_summary=None), at("2016-03-14T00:00"), at("2016-03-21T00:00"))
    releases = [item for item in listed(found) if item[1] == RELEASE]
    assert releases == [
        (
            "2016-03-14 09:00",
            RELEASE,
            "Week R-3 of Mitaka: RC1 target week (Mon 14 Mar); Hard StringFreeze (Thu 17 Mar). "
            "Final release in 3 weeks (Thu 7 Apr 2016).",
        ),
        ("2016-03-16 09:00", RELEASE, "Tomorrow (Thu 17 Mar 2016): Hard StringFreeze."),
    ]


def test_indri_milestone_reminder_a_day_before():
    found = plan(events(INDRI), policy(weekly_summary=None), at("2026-11-16T00:00"), at("2026-11-23T00:00"))
    texts = [text for _due, kind, text in listed(found) if kind == RELEASE]
    assert any(text.startswith("Week R-18 of ") for text in texts)
    assert "Tomorrow (Thu 19 Nov 2026): Indri-1 milestone." in texts


def test_weekly_summary_at_the_configured_minute_each_week():
    weekly = WeeklyTime(4, time(15, 0))
    found = plan([], policy(weekly_summary=weekly), at("2016-03-11T15:00"), at("2016-03-25T15:00"))
    assert [(a.due, a.week) for a in found] == [
        (at("2016-03-11T15:00"), "2016-W10"),
        (at("2016-03-18T15:00"), "2016-W11"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("fri 15:00", WeeklyTime(4, time(15, 0))), ("Monday 09:30", WeeklyTime(0, time(9, 30))), ("off", None)],
)
def test_weekly_time_parsing(text, expected):
    assert parse_weekly_time(text) == expected


@pytest.mark.parametrize("text", ["friday", "fri 25:00", "someday 10:00", "fri 15", ""])
def test_bad_weekly_time(text):
    with pytest.raises(ValueError, match="expected a weekday and a UTC time such as fri 15:00, or off"):
        parse_weekly_time(text)


def test_keys_are_deterministic_and_name_kind_event_offset_channel_and_network():
    source = events(NEWTON_ELECTION)
    window = (at("2016-03-10T00:00"), at("2016-04-09T00:00"))
    first = plan(source, policy(), *window)
    again = plan(events(NEWTON_ELECTION), policy(), *window)
    assert [a.key for a in first] == [a.key for a in again]
    assert len({a.key for a in first}) == len(first)
    other_network = plan(source, policy(network="OFTC"), *window)
    assert not {a.key for a in first} & {a.key for a in other_network}
    two_channels = plan(source, policy(channels_by_kind={ELECTION: ("#a", "#b")}), *window)
    assert len(two_channels) == 2 * len([a for a in first if a.kind == ELECTION])


def test_a_moved_deadline_is_announced_at_its_new_time_only():
    original = events(NEWTON_ELECTION)
    moved = [replace(e, end=e.end + timedelta(days=1)) if e.title == "PTL nomination" else e for e in original]
    window = (at("2016-03-10T00:00"), at("2016-03-20T00:00"))
    before = {a.key: a for a in plan(original, policy(weekly_summary=None), *window)}
    after = {a.key: a for a in plan(moved, policy(weekly_summary=None), *window)}
    gone = [before[key].due for key in before.keys() - after.keys()]
    new = [after[key].due for key in after.keys() - before.keys()]
    # The closing reminders move with the close; the opening announcement stays (its text changes too).
    assert at("2016-03-15T23:59") in gone and at("2016-03-17T19:59") in gone
    assert at("2016-03-16T23:59") in new and at("2016-03-18T19:59") in new
    assert at("2016-03-15T23:59") not in [a.due for a in after.values()]


def test_daily_cap_keeps_the_earliest_per_channel():
    source = events(NEWTON_ELECTION, MITAKA)
    capped = plan(source, policy(max_per_channel_per_day=1), at("2016-03-10T00:00"), at("2016-04-09T00:00"))
    days = [(a.channel, a.due.date()) for a in capped]
    assert len(days) == len(set(days))
    uncapped = plan(source, policy(max_per_channel_per_day=99), at("2016-03-10T00:00"), at("2016-04-09T00:00"))
    assert len(uncapped) > len(capped)
    first_of_each_day = {}
    for a in uncapped:
        first_of_each_day.setdefault((a.channel, a.due.date()), a.key)
    assert [a.key for a in capped] == list(first_of_each_day.values())


def test_kinds_go_only_to_their_channels():
    found = plan(
        events(NEWTON_ELECTION, MITAKA),
        policy(channels_by_kind={ELECTION: ("#elections",), RELEASE: ("#release",), SUMMARY: ()}),
        at("2016-03-10T00:00"),
        at("2016-04-09T00:00"),
    )
    assert {(a.kind, a.channel) for a in found} == {(ELECTION, "#elections"), (RELEASE, "#release")}


def test_a_phase_edited_to_nothing_gets_no_reminders():
    (phase, *_rest) = [e for e in events(NEWTON_ELECTION)]
    empty = replace(phase, end=phase.start)
    assert (
        plan([empty], policy(weekly_summary=None), phase.start - timedelta(days=1), phase.end + timedelta(days=9)) == []
    )


SERIES_STATUS = OPENSTACK_DATA / "releases" / "series_status.yaml"
ELECTION_2026_2 = OPENSTACK_DATA / "election" / "configuration-2026.2.yaml"


def test_reminders_due_together_in_a_channel_are_one_post():
    found = plan(events(INDRI), policy(weekly_summary=None), at("2027-02-17T00:00"), at("2027-02-18T00:00"))
    assert listed(found) == [
        (
            "2027-02-17 09:00",
            RELEASE,
            "Tomorrow (Thu 18 Feb 2027): Feature freeze, Indri-3 milestone, Requirements freeze, Soft StringFreeze.",
        )
    ]


def test_the_release_week_lists_an_event_once_when_two_sources_give_it():
    found = plan(events(SERIES_STATUS, INDRI), policy(weekly_summary=None), at("2027-03-22T00:00"), at("2027-03-23"))
    (week,) = [text for _due, kind, text in listed(found) if kind == RELEASE]
    assert week.count("Indri release") == 1


def test_ptl_and_tc_phases_opening_and_closing_together_are_one_post_each():
    found = plan(events(ELECTION_2026_2), policy(weekly_summary=None), at("2026-02-04T00:00"), at("2026-02-19T00:00"))
    assert listed(found) == [
        ("2026-02-04 23:45", ELECTION, "PTL Nominations and TC Nominations are open until Wed 18 Feb 2026 23:45 UTC."),
        (
            "2026-02-16 23:45",
            ELECTION,
            "PTL Nominations and TC Nominations close in 2 days, Wed 18 Feb 2026 23:45 UTC.",
        ),
        (
            "2026-02-18 19:45",
            ELECTION,
            "PTL Nominations and TC Nominations close in 4 hours, Wed 18 Feb 2026 23:45 UTC.",
        ),
        ("2026-02-18 23:45", ELECTION, "TC Campaigning is open until Wed 25 Feb 2026 23:45 UTC."),
    ]


def test_the_release_week_is_written_r_minus_0_as_openstack_writes_it():
    found = plan(events(INDRI), policy(weekly_summary=None), at("2027-03-22T00:00"), at("2027-03-23T00:00"))
    (week,) = [text for _due, kind, text in listed(found) if kind == RELEASE]
    assert week.startswith("Week R-0 of Indri (2027.1): ")  # the file names it R+0


def test_a_deadline_of_no_series_is_reminded_without_a_python_none(tmp_path):
    source = tmp_path / "ours.yaml"
    source.write_text(
        "successbot-schedule: 1\nevents:\n  - title: Test docs freeze\n    kind: freeze\n    date: 2026-12-10\n",
        encoding="utf-8",
    )
    found = plan(events(source), policy(weekly_summary=None), at("2026-12-09T00:00"), at("2026-12-10T00:00"))
    (reminder,) = found
    assert reminder.text == "Tomorrow (Thu 10 Dec 2026): Test docs freeze."
    assert reminder.subject == "Test docs freeze in 1 day"

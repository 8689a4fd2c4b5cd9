"""The weekly digest: the seed's 2016 digests pinned from the real Mitaka schedule and Newton election, and
properties over every series in the shared data."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import html5lib
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness import EXAMPLE_SOURCES
from successbot.core.successes import THANKS, NewSuccess
from successbot.core.weeks import Period, day_range, iso_week
from successbot.publishing.digest import INVITATION, build_digest, countdown_after, week_days
from successbot.publishing.renderers.digest_formats import render_digest
from successbot.schedules.model import Event, Kind
from successbot.schedules.sources import ScheduleService
from successbot.storage.database import make_engine
from successbot.storage.schedule import SqlScheduleStore
from successbot.storage.successes import SqlSuccessStore
from test_schedule_commands import every_event, loaded_database  # noqa: F401  (fixtures)

SITE = "https://successes.example.org/"

MARCH_5_TO_11 = """\
Digest, Sat 5 Mar to Fri 11 Mar 2016
====================================

SuccessBot Says
---------------
  • alice: fixed the gate
  • bob: Mitaka RC1 for nova is out
Tell us yours via IRC with a message "#success [insert success]"
All successes: https://successes.example.org/

Elections
---------
  PTL
  • PTL nomination: 2016-03-11 00:00 UTC to 2016-03-17 23:59 UTC (open)
  • PTL elections: 2016-03-18 00:00 UTC to 2016-03-24 23:59 UTC
  TC
  • TC nomination: 2016-03-25 00:00 UTC to 2016-03-31 23:59 UTC
  • TC elections: 2016-04-01 00:00 UTC to 2016-04-07 23:59 UTC

Release Countdown For Week R-3, March 14-18
-------------------------------------------
Mitaka, week R-3.

  • RC1 target week (Mon 14 Mar to Fri 18 Mar 2016)
    The week of March 14-18 is the target date for projects following
    the release:cycle-with-milestones model to issue their first release
    candidate.
  • Hard StringFreeze (Thu 17 Mar 2016)
    This happens when the RC1 for the project is tagged. At this point,
    ideally no strings are changed (or added, or removed), to give
    translator time to finish up their efforts.

Important dates:
  • Final RCs and intermediary releases: Mon 28 Mar to Fri 1 Apr 2016
  • Mitaka release: Thu 7 Apr 2016
"""


@pytest.fixture
def mitaka(tmp_path: Path, migrated_template: Path):
    """A database holding the Mitaka schedule and the Newton election, imported as the bot imports them."""
    path = tmp_path / "digest.db"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    store = SqlScheduleStore(engine)
    outcomes = ScheduleService(store, EXAMPLE_SOURCES).refresh(datetime(2016, 3, 1, tzinfo=UTC))
    assert [outcome.problem for outcome in outcomes] == [None, None]
    yield SqlSuccessStore(engine), store
    engine.dispose()


def digest_of(mitaka, period: Period, site_url: str | None = SITE, **options):
    successes, schedule = mitaka
    found = successes.between(period.start, period.end, kind=None)
    return build_digest(period, found, schedule.events_near(period.end), site_url=site_url, **options)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_digest_of_march_5_to_11_2016_as_the_seed_wrote_it(mitaka):
    successes, _ = mitaka
    successes.add(NewSuccess("fixed the gate", "alice", "#dev", at("2016-03-07T10:00")))
    successes.add(NewSuccess("Mitaka RC1 for nova is out", "bob", "#nova", at("2016-03-10T16:30")))
    successes.add(NewSuccess("after the period", "carol", "#dev", at("2016-03-12T00:00")))
    digest = digest_of(mitaka, day_range("2016-03-05", "2016-03-11"))
    assert render_digest(digest, "text") == MARCH_5_TO_11


def test_the_digest_of_february_7_to_12_counts_down_r7_with_the_libraries_and_mitaka_3_ahead(mitaka):
    digest = digest_of(mitaka, day_range("2016-02-07", "2016-02-12"))
    countdown = digest.countdown
    assert countdown is not None
    assert countdown.heading == "Release Countdown For Week R-7, February 15-19"
    assert countdown.this_week == ()
    important = [event.title for event in countdown.important]
    assert important[0] == "Final release for non-client libraries"
    assert "mitaka-3 milestone" in important and important[-1] == "Mitaka release"
    text = render_digest(digest, "text")
    assert "  • Final release for non-client libraries: Mon 22 Feb to Fri 26 Feb\n    2016\n" in text
    assert "No cross-project deadline this week." in text
    # the PTL nomination opens within four weeks of the period; the TC's phases are further away
    assert [election.name for election in digest.elections] == ["PTL"]


def test_a_week_without_successes_says_nobody_shared_one_and_keeps_the_other_sections(mitaka):
    digest = digest_of(mitaka, iso_week("2016-W10"), site_url=None)
    text = render_digest(digest, "text")
    assert "  Nobody has shared a success this week yet.\n" + INVITATION + "\n\nElections" in text
    assert "All successes" not in text  # no [export] url, no link
    assert "Release Countdown For Week R-3, March 14-18" in text
    for name in ("markdown", "html"):
        assert "Nobody has shared a success this week yet" in render_digest(digest, name)


def test_no_elections_section_when_no_election_is_near(mitaka):
    digest = digest_of(mitaka, iso_week("2016-W03"))
    assert digest.elections == ()
    for name in ("text", "markdown", "html"):
        assert "Elections" not in render_digest(digest, name)


def test_successes_keep_the_order_they_were_recorded_in(mitaka):
    successes, _ = mitaka
    successes.add(NewSuccess("second said, earlier clock", "bob", "#dev", at("2016-03-08T10:00")))
    successes.add(NewSuccess("first said", "alice", "#dev", at("2016-03-08T09:00")))
    digest = digest_of(mitaka, iso_week("2016-W10"))
    assert [line.text for line in digest.successes] == ["second said, earlier clock", "first said"]


def test_hostile_success_text_is_escaped_as_the_exports_escape_it(mitaka):
    successes, _ = mitaka
    nasty = "<script>alert(1)</script> [x](javascript:alert(1)) # heading\nsecond line"
    successes.add(NewSuccess(nasty, "<b>mallory</b>", "#dev", at("2016-03-08T10:00")))
    digest = digest_of(mitaka, iso_week("2016-W10"))
    page = render_digest(digest, "html")
    assert "<script>" not in page and "<b>mallory" not in page and "&lt;script&gt;" in page
    root = html5lib.parse(page, namespaceHTMLElements=False)
    assert [a.get("href") for a in root.iter("a")] == [SITE]
    markdown = render_digest(digest, "markdown")
    assert "\\[x\\]\\(javascript\\:alert\\(1\\)\\)" in markdown and "\nsecond line" not in markdown
    text = render_digest(digest, "text")
    assert "heading second line" in text
    assert not any(line.startswith(("second", "#", "<")) for line in text.splitlines())


def test_the_unverified_are_marked_when_asked(mitaka):
    successes, _ = mitaka
    successes.add(NewSuccess("logged out", "alice", "#dev", at("2016-03-08T10:00")))
    successes.add(NewSuccess("logged in", "bob", "#dev", at("2016-03-08T11:00"), account="bob"))
    digest = digest_of(mitaka, iso_week("2016-W10"), mark_unverified=True)
    assert [line.nick for line in digest.successes] == ["alice (unverified)", "bob"]


def test_thanks_is_a_section_only_when_there_are_thanks(mitaka):
    period = iso_week("2016-W10")
    without = digest_of(mitaka, period)
    assert without.thanks == () and all("Thanks" not in render_digest(without, name) for name in ("text", "html"))
    successes, _ = mitaka
    successes.add(NewSuccess("fixed the gate", "carol", "#dev", at("2016-03-07T09:00")))
    successes.add(NewSuccess("the review", "alice", "#dev", at("2016-03-07T10:00"), kind=THANKS, thanked="bob"))
    successes.add(NewSuccess("the pager", "dave", "#ops", at("2016-03-08T10:00"), kind=THANKS))
    digest = digest_of(mitaka, period)
    assert [line.text for line in digest.successes] == ["fixed the gate"]  # a thanks is not a success too
    text = render_digest(digest, "text")
    assert "\nThanks\n------\n  • alice: thanks bob for the review\n  • dave: thanks the pager\n" in text
    assert "<h2>Thanks</h2>" in render_digest(digest, "html")
    assert "## Thanks\n\n- **alice**: thanks bob for the review" in render_digest(digest, "markdown")


def test_markdown_and_html_carry_the_same_sections(mitaka):
    digest = digest_of(mitaka, day_range("2016-03-05", "2016-03-11"))
    markdown = render_digest(digest, "markdown")
    assert "## Release Countdown For Week R\\-3, March 14\\-18" in markdown
    assert "### Important dates\n\n- Final RCs and intermediary releases\\: Mon 28 Mar to Fri 1 Apr 2016" in markdown
    root = html5lib.parse(render_digest(digest, "html"), namespaceHTMLElements=False)
    headings = ["".join(h.itertext()) for h in root.iter() if h.tag in ("h1", "h2", "h3")]
    assert headings == [
        "Digest, Sat 5 Mar to Fri 11 Mar 2016",
        "SuccessBot Says",
        "Elections",
        "PTL",
        "TC",
        "Release Countdown For Week R-3, March 14-18",
        "Important dates",
    ]
    assert not list(root.iter("script"))


def test_after_the_last_known_week_the_countdown_says_there_is_none(mitaka):
    digest = digest_of(mitaka, iso_week("2016-W20"))
    assert digest.countdown is None
    assert "The schedule data has no release cycle week after this period." in render_digest(digest, "text")


def test_week_days_as_openstack_writes_them():
    def week(first: str) -> Event:
        start = at(first)
        return Event(Kind.CYCLE_WEEK, "R-5", start, start + timedelta(days=7), "x", "x", all_day=True)

    assert week_days(week("2016-03-14")) == "March 14-18"
    assert week_days(week("2016-02-29")) == "February 29-March 4"


# --- every series in the shared data ---


def test_between_cycles_the_countdown_is_the_first_week_of_the_next_series(every_event):  # noqa: F811
    # Ocata's R+1 and Pike's R-26 both start Mon 27 Feb 2017: the digest of the week before counts down Pike's.
    countdown = countdown_after(every_event, at("2017-02-27T00:00"))
    assert countdown is not None and countdown.week.series == "pike" and countdown.week.title == "R-26"
    assert countdown.starts_series and [week.title for week in countdown.first_weeks] == ["R-25", "R-24", "R-23"]
    assert all(event.start >= at("2017-02-27T00:00") for event in countdown.important)


periods = st.tuples(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2028, 12, 31)), st.integers(min_value=1, max_value=31)
).map(lambda found: Period(found[0], found[0] + timedelta(days=found[1] - 1), "period"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(period=periods)
@example(period=day_range("2016-03-05", "2016-03-11"))
@example(period=day_range("2017-02-20", "2017-02-26"))  # before Ocata's last week and Pike's first
def test_the_countdown_is_the_week_after_the_period_and_every_date_is_ahead(every_event, period):  # noqa: F811
    digest = build_digest(period, [], every_event)
    weeks = [event for event in every_event if event.kind is Kind.CYCLE_WEEK and event.start >= period.end]
    countdown = digest.countdown
    if not weeks:
        assert countdown is None
        return
    assert countdown is not None
    assert countdown.week.start == min(week.start for week in weeks)  # the first week after the period
    assert all(event.start >= period.end for event in countdown.this_week + countdown.important)
    assert all(event.start < countdown.week.end for event in countdown.this_week)
    assert all(event.start >= countdown.week.end for event in countdown.important)
    assert all(event.kind not in (Kind.CYCLE_WEEK, Kind.ELECTION_PHASE) for event in countdown.important)
    assert sum(event.kind is Kind.FINAL_RELEASE for event in countdown.important) <= 1
    for election in digest.elections:
        for phase in election.phases:
            assert phase.is_open(period.end) or period.end <= phase.start < period.end + timedelta(weeks=4)
    for name in ("text", "html"):
        assert countdown.heading in render_digest(digest, name)


@pytest.fixture(scope="module")
def stored(loaded_database: Path):  # noqa: F811
    engine = make_engine(f"sqlite:///{loaded_database}")
    yield SqlScheduleStore(engine)
    engine.dispose()


@settings(max_examples=60, deadline=None)
@given(period=periods)
@example(period=day_range("2017-02-20", "2017-02-26"))
def test_the_events_near_the_period_end_give_the_digest_that_every_event_gives(stored, every_event, period):  # noqa: F811
    # What the bot reads (events_near, bounded however much is stored) must lose nothing the digest says.
    near = build_digest(period, [], stored.events_near(period.end))
    assert near == build_digest(period, [], every_event)


def test_our_yaml_carries_a_description_both_ways():
    from successbot.schedules.formats.successbot_yaml import export_yaml
    from successbot.schedules.sources import import_text

    text = (
        "successbot-schedule: 1\nevents:\n  - title: Spec freeze\n    kind: freeze\n    date: 2026-06-11\n"
        "    description: |\n      No new specs\n      after this.\n"
    )
    (event,) = import_text("ours.yaml", text, lambda _name: None).events
    assert event.description == "No new specs after this."
    (again,) = import_text("ours.yaml", export_yaml([event]), lambda _name: None).events
    assert again == event

"""Periods and the first export formats."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from successbot.core.successes import NewSuccess
from successbot.core.weeks import day_range, iso_week, week_containing
from successbot.publishing.export import export_successes
from successbot.publishing.renderers import RENDERERS
from successbot.publishing.renderers.markdown_format import escape_markdown


def test_iso_week_runs_monday_to_sunday_utc():
    week = iso_week("2016-W11")
    assert (week.first_day, week.last_day) == (date(2016, 3, 14), date(2016, 3, 20))
    assert week.start == datetime(2016, 3, 14, tzinfo=UTC)
    assert week.end == datetime(2016, 3, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "monday"),
    [("2020-W53", date(2020, 12, 28)), ("2021-W01", date(2021, 1, 4)), ("2016W1", date(2016, 1, 4))],
)
def test_iso_weeks_across_year_ends(text, monday):
    assert iso_week(text).first_day == monday


def test_week_containing_a_sunday_night_instant():
    assert week_containing(datetime(2016, 3, 20, 23, 59, 59, tzinfo=UTC)).label == "2016-W11"
    assert week_containing(datetime(2016, 3, 21, 0, 0, tzinfo=UTC)).label == "2016-W12"


def test_day_range_is_inclusive():
    period = day_range("2016-03-14", "2016-03-14")
    assert period.end - period.start == timedelta(days=1)


def add(store, text, at, nick="alice", channel="#dev"):
    return store.add(NewSuccess(text=text, nick=nick, channel=channel, created_at=at))


def test_text_format_is_the_digest_list(store):
    add(store, "fixed the “gate” [1]", datetime(2016, 3, 15, tzinfo=UTC))
    add(store, "#openstack-dev is calm", datetime(2016, 3, 14, tzinfo=UTC), nick="bob")
    text = export_successes(store, iso_week("2016-W11"), "text")
    assert text == "  • bob: #openstack-dev is calm\n  • alice: fixed the “gate” [1]\n"


def test_json_keeps_unicode_and_every_field(store):
    add(store, "ünïcödé 🎉", datetime(2016, 3, 15, 8, 30, tzinfo=UTC))
    document = export_successes(store, iso_week("2016-W11"), "json")
    assert "ünïcödé 🎉" in document  # not \u-escaped
    (entry,) = json.loads(document)
    assert entry["text"] == "ünïcödé 🎉"
    assert entry["created_at"] == "2016-03-15T08:30:00Z"


def test_markdown_escapes_what_could_become_markup(store):
    hostile = "[click](http://evil.example) # not a heading | cell | <b>x</b> *em* _u_"
    add(store, hostile, datetime(2016, 3, 15, tzinfo=UTC))
    document = export_successes(store, iso_week("2016-W11"), "markdown")
    assert "[click](http" not in document
    assert escape_markdown(hostile) in document


def test_every_format_is_registered_by_name():
    assert set(RENDERERS) >= {"text", "markdown", "json"}
    assert all(name == renderer.name for name, renderer in RENDERERS.items())

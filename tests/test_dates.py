"""The one way successbot writes a date, a time and a duration for people (``core.dates``), and only there."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from successbot.core import dates
from successbot.core.dates import day_text, days_text, moment, span, time_text
from successbot.schedules import wording

SRC = Path(__file__).resolve().parents[1] / "src" / "successbot"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2016, 3, 17), "Thu 17 Mar 2016"),
        (date(2016, 3, 7), "Mon 7 Mar 2016"),  # no leading zero
        (date(2027, 1, 1), "Fri 1 Jan 2027"),
        (date(2016, 2, 29), "Mon 29 Feb 2016"),
        (date(2026, 12, 31), "Thu 31 Dec 2026"),
    ],
)
def test_a_day_is_weekday_day_month_and_year(day, expected):
    assert day_text(day) == expected


def test_the_year_is_left_out_only_when_asked():
    assert day_text(date(2016, 3, 17), year=False) == "Thu 17 Mar"


def test_an_instant_counts_by_its_utc_day():
    # 00:30 in UTC+02:00 on the 18th is still the 17th in UTC.
    assert day_text(datetime(2016, 3, 18, 0, 30, tzinfo=timezone(timedelta(hours=2)))) == "Thu 17 Mar 2016"


def test_a_time_is_hours_and_minutes_in_utc_and_says_so():
    assert time_text(datetime(2016, 3, 17, 23, 59, 59, 999999, tzinfo=UTC)) == "23:59 UTC"
    assert time_text(datetime(2016, 3, 17, 9, 5, tzinfo=UTC)) == "09:05 UTC"


def test_a_date_with_a_time_is_the_day_then_the_time():
    assert moment(datetime(2016, 3, 17, 23, 59, tzinfo=UTC)) == "Thu 17 Mar 2016 23:59 UTC"


def test_a_time_in_another_zone_is_written_in_utc():
    assert moment(datetime(2016, 3, 18, 0, 59, tzinfo=timezone(timedelta(hours=1)))) == "Thu 17 Mar 2016 23:59 UTC"


def test_a_naive_time_is_taken_as_utc_as_everywhere_in_successbot():
    assert moment(datetime(2016, 3, 17, 23, 59)) == "Thu 17 Mar 2016 23:59 UTC"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2016, 3, 14), date(2016, 3, 20), "Mon 14 Mar to Sun 20 Mar 2016"),  # the year once, at the end
        (date(2015, 12, 28), date(2016, 1, 3), "Mon 28 Dec 2015 to Sun 3 Jan 2016"),  # two years: both said
        (date(2016, 3, 17), date(2016, 3, 17), "Thu 17 Mar 2016"),
    ],
)
def test_a_span_of_days_says_its_year(first, last, expected):
    assert days_text(first, last) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(days=3, hours=16, minutes=54, seconds=58, microseconds=29208), "3 days 16 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=9, hours=5), "9 days"),
        (timedelta(hours=2, minutes=30), "2 hours 30 minutes"),
        (timedelta(hours=5, minutes=30), "5 hours"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(seconds=20), "1 minute"),
        (timedelta(0), "0 minutes"),
    ],
)
def test_a_duration_is_in_words_never_a_timedelta(delta, expected):
    assert span(delta) == expected
    assert str(delta) != expected


def test_the_schedule_wording_uses_the_same_functions_not_a_copy():
    assert (wording.day_text, wording.moment, wording.span) == (dates.day_text, dates.moment, dates.span)


def _format_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant and every f-string format spec (``{x:%Y}``) in a module, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
            spec = "".join(part.value for part in node.format_spec.values if isinstance(part, ast.Constant))
            found.append((node.lineno, spec))
    return found


# A date format that is ISO 8601 (a file format, a key, a parser) is machine-readable and allowed anywhere.
ISO_FORMATS = {"%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%S"}
DATE_DIRECTIVES = ("%a", "%A", "%b", "%B", "%d", "%H", "%M", "%m", "%Y", "%y")


def test_only_core_dates_formats_a_date_for_people():
    """A strftime format anywhere else would write a date another way: ``2016-03-14 10:00 UTC``, ``07 Mar``."""
    offending = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "core" / "dates.py":
            continue
        for line, text in _format_strings(ast.parse(path.read_text(encoding="utf-8"))):
            date_like = sum(directive in text for directive in DATE_DIRECTIVES if directive not in ("%d",))
            if date_like and text.strip() not in ISO_FORMATS:
                offending.append(f"{path.relative_to(SRC)}:{line}: {text!r}")
    assert offending == []


# isoformat() writes machine-readable text: only where a format, a key or a file needs one.
ISOFORMAT_ALLOWED = (
    "publishing/renderers/base.py",  # iso_time: JSON, CSV, Atom and <time datetime>
    "schedules/formats/",  # writing schedule files and iCalendar ids
    "cli/example_schedule.py",  # writes a schedule file
    "storage/schedule_cache.py",  # the JSON summary stored with each source
)


def test_isoformat_is_used_only_for_machine_readable_text():
    offending = []
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC))
        if where.startswith(ISOFORMAT_ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "isoformat":
                offending.append(f"{where}:{node.lineno}")
    assert offending == []

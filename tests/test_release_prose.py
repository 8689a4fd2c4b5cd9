"""The prose date reader of schedule.rst: every form its authors use, ranges across months and years, occurrences."""

from __future__ import annotations

from datetime import date

import pytest

from successbot.schedules.formats.release_prose import days_in_span, mentions, read_prose

NEAR = date(2023, 6, 1)


def spans(text: str, near: date = NEAR) -> list[tuple[str, str]]:
    return [(mention.first.isoformat(), mention.last.isoformat()) for mention in mentions(text, near)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cycle 26 February - 2 March 2018 in Dublin", ("2018-02-26", "2018-03-02")),
        ("From 12 to 16 October, 2026", ("2026-10-12", "2026-10-16")),
        ("The week of 13th - 17th March, 2023 is the last week", ("2023-03-13", "2023-03-17")),
        ("March 28 to April 1st", ("2023-03-28", "2023-04-01")),
        ("August 30 - Sept 1", ("2023-08-30", "2023-09-01")),
        ("during this week (October 17-21, 2022).", ("2022-10-17", "2022-10-21")),
        ("From March 27 to March 31 we'll have a virtual PTG", ("2023-03-27", "2023-03-31")),
        ("The week of 7-11 August 2017 is the target", ("2017-08-07", "2017-08-11")),
        ("Dec 1-3, 2026", ("2026-12-01", "2026-12-03")),
        ("28 December 2026 - 3 January 2027", ("2026-12-28", "2027-01-03")),
        ("28 December - 3 January 2027", ("2026-12-28", "2027-01-03")),
        ("December 28, 2026 - January 3, 2027", ("2026-12-28", "2027-01-03")),
        ("December 28, 2026 to January 3", ("2026-12-28", "2027-01-03")),
        ("December 28 through January 3, 2027", ("2026-12-28", "2027-01-03")),
        ("runs between 2024-08-14 23:45 UTC and 2024-08-28 23:45 UTC.", ("2024-08-14", "2024-08-28")),
        ("window is between 2024-08-28 23:45 UTC and 2024-09-04 23:45 UTC", ("2024-08-28", "2024-09-04")),
        ("between 30 December 2024 and 2 January 2025", ("2024-12-30", "2025-01-02")),
    ],
)
def test_a_range_is_one_span_across_months_and_years(text, expected):
    assert spans(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("All Cinder specs must be approved by the 7th of June, 2017.", "2017-06-07"),
        ("approved by 7th June 2017", "2017-06-07"),
        ("on June 7th, 2017", "2017-06-07"),
        ("on June the 7th, 2017", "2017-06-07"),
        ("their deliverables by June 1st, 2023.", "2023-06-01"),
        ("(February 8th, 2023 at 00:00 UTC)", "2023-02-08"),
        ("Wednesday 31 May 2023 (1400-1600 UTC).", "2023-05-31"),
        ("by 2024-08-28 00:00 UTC.", "2024-08-28"),
        ("begins at 2024-09-04T23:45Z", "2024-09-04"),
        ("on 2024-09-04.", "2024-09-04"),
        ("17 November, 2022 is the Antelope-1 milestone", "2022-11-17"),
        ("May 11, 2023 is the Bobcat-1 milestone", "2023-05-11"),
        ("on 25 Aug", "2023-08-25"),
    ],
)
def test_single_days_in_every_style(text, expected):
    assert spans(text) == [(expected, expected)]


def test_a_year_missing_is_the_one_nearest():
    assert spans("Dec 1-3", near=date(2022, 11, 28)) == [("2022-12-01", "2022-12-03")]
    assert spans("by Jan 5", near=date(2022, 12, 20)) == [("2023-01-05", "2023-01-05")]
    assert spans("by Dec 30", near=date(2023, 1, 2)) == [("2022-12-30", "2022-12-30")]


@pytest.mark.parametrize(
    "text",
    [
        "Antelope-3 - 16 February, 2023 is",  # a milestone's number is no first day
        "R-5 to 16 February, 2023",
    ],
)
def test_numbers_that_are_not_days_start_no_range(text):
    assert spans(text) == [("2023-02-16", "2023-02-16")]


def test_a_time_is_not_a_day():
    assert spans("at 10:16 February, 2023") == []


def test_impossible_dates_are_not_mentions():
    assert spans("30 February 2023, 2023-02-30, and 3 to 1 May 2023") == [("2023-05-01", "2023-05-01")]
    assert spans("Marks 3 and Mayors 4") == []


def test_every_occurrence_is_kept_in_the_order_written():
    text = "On 27 November 2025 and 02 December 2025, Nova specifications will be reviewed"
    assert spans(text) == [("2025-11-27", "2025-11-27"), ("2025-12-02", "2025-12-02")]
    inside = days_in_span(text, date(2025, 11, 24), date(2025, 12, 7))
    assert [(m.first.isoformat(), m.last.isoformat()) for m in inside] == [
        ("2025-11-27", "2025-11-27"),
        ("2025-12-02", "2025-12-02"),
    ]


def test_an_occurrence_outside_the_span_is_not_in_it():
    text = "On 6 June 2023 and 27 June 2023, Nova specifications will be reviewed"
    (only,) = days_in_span(text, date(2023, 6, 5), date(2023, 6, 11))
    assert (only.first, only.last) == (date(2023, 6, 6), date(2023, 6, 6))


def test_a_day_inside_a_named_week_or_range_is_part_of_it():
    text = "The week of 6 August 2018 is the target date, with a deadline of 9 August 2018."
    (week,) = days_in_span(text, date(2018, 8, 6), date(2018, 8, 12))
    assert (week.first, week.whole_week, week.covers) == (date(2018, 8, 6), True, (date(2018, 8, 6), date(2018, 8, 12)))
    text = "The week of 7-11 August 2017 is the target, with a deadline of 10 August 2017."
    (span,) = days_in_span(text, date(2017, 8, 7), date(2017, 8, 13))
    assert (span.first, span.last) == (date(2017, 8, 7), date(2017, 8, 11))


def test_a_day_named_twice_is_one_occurrence():
    text = "a mid-cycle PTG on 31st May (Wednesday) … Wednesday 31 May 2023 (1400-1600 UTC)."
    assert len(days_in_span(text, date(2023, 5, 29), date(2023, 6, 4))) == 1


def test_a_phase_edge_is_told_by_the_words_before_it():
    (opens,) = mentions("Election polling begins at 2024-09-04 23:45 UTC.", NEAR)
    (closes,) = mentions("All polls close in the 2025.1 Election at 2024-09-18 23:45 UTC", NEAR)
    (neither,) = mentions("The release will happen on 2 October 2024.", NEAR)
    assert (opens.edge, closes.edge, neither.edge) == ("opens", "closes", None)


RST = """\
Cross-project events
====================

.. _a-ptg:

PTG
---

During this week.

2023.2 TC and PTL Elections
---------------------------

.. _b-election-nominations:

2023.2 Election Nomination Begins
^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
Candidates should announce their candidacies.

.. _a-final:

Antelope release
----------------

On Wednesday, 22 March, 2023.

Project-specific events
=======================

Cinder
------

.. _a-cinder-spec-freeze:

Cinder Spec Freeze
^^^^^^^^^^^^^^^^^^

By 5 January 2023.
"""


def test_a_section_sits_under_the_heading_above_its_level_not_the_one_it_follows():
    sections = read_prose(RST).sections
    groups = {label: section.group for label, section in sections.items()}
    assert groups == {
        "a-ptg": "Cross-project events",
        "b-election-nominations": "2023.2 TC and PTL Elections",
        "a-final": "Cross-project events",
        "a-cinder-spec-freeze": "Cinder",
    }

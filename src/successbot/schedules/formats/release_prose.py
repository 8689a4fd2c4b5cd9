"""Reading openstack/releases' ``schedule.rst``: the title, the sections behind each label, and the days in prose.

The YAML (or, for Mitaka and Newton, the RST table) says which week an event
is in; the prose under ``.. _label:`` gives its title and, often, its exact
day, written in whichever style its author liked: ``19 November, 2026``,
``May 14, 2026``, ``Dec 1-3``, ``From 12 to 16 October, 2026``, ``March 28 to
April 1st``, ``The week of September 7, 2026``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
THURSDAY = 3

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DAY = r"(\d{1,2})(?:st|nd|rd|th)?(?!\d)"
TO = r"\s*(?:-|\u2013|to)\s*"
YEAR = r"(?:,?\s+(\d{4}))?"
# "19 November, 2026", "21 May 2026", "From 12 to 16 October, 2026", "25 Aug"
DAY_FIRST = re.compile(rf"\b(?:{DAY}{TO})?{DAY}\s+({MONTH}),?{YEAR}", re.IGNORECASE)
# "May 14, 2026", "Dec 1-3", "March 28 to April 1st", "August 30 - Sept 1", "April 7th"
MONTH_FIRST = re.compile(rf"\b({MONTH})\s+{DAY}(?:{TO}(?:({MONTH})\s+)?{DAY})?{YEAR}", re.IGNORECASE)
TITLE = re.compile(r"^\s*(?:(\d{4}\.\d)\s+)?([A-Za-z]+)\s+release\s+schedule\s*$", re.IGNORECASE)
_UNDERLINE = re.compile(r"^([=\-^~*+#\"'`])\1{2,}\s*$")
_LABEL = re.compile(r"^\.\.\s+_([^:`\s][^:]*):\s*$")


def month_number(text: str) -> int:
    return _MONTHS[text.strip(".").lower()[:3]]


@dataclass(frozen=True)
class Section:
    label: str
    title: str
    prose: str
    line: int
    group: str | None  # the unlabelled heading above it: "Nova", "Cross-project events"


@dataclass(frozen=True)
class ScheduleProse:
    series: str | None  # "indri", from the document's title
    release_id: str | None  # "2027.1"
    sections: dict[str, Section]
    deadline_weekday: int  # what the note says a deadline means: the Thursday, unless it names another day


def read_prose(text: str) -> ScheduleProse:
    lines = text.splitlines()
    series = release_id = None
    sections: dict[str, Section] = {}
    # The unlabelled headings open now, by level: a heading closes those of its level and below, so
    # Antelope's events after "2023.2 TC and PTL Elections" (same level) sit under "Cross-project events".
    groups: list[tuple[int, str]] = []
    levels: list[str] = []  # underline styles, in the order the document uses them (RST's rule)
    pending: tuple[str, int] | None = None
    current: tuple[str, str, int, str | None] | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None:
            label, title, line, where = current
            sections.setdefault(label, Section(label, title, " ".join(" ".join(body).split()), line, where))

    for index, line in enumerate(lines):
        if series is None and (title := TITLE.match(line)) and index + 1 < len(lines):
            release_id, series = title.group(1), title.group(2).lower()
        if label := _LABEL.match(line):
            pending = (label.group(1).strip(), index + 1)
            continue
        is_heading = (
            line.strip()
            and not _UNDERLINE.match(line)
            and index + 1 < len(lines)
            and _UNDERLINE.match(lines[index + 1])
            and len(lines[index + 1].strip()) >= len(line.strip()) - 2
        )
        if is_heading:
            close()
            level = _level(levels, lines, index)
            groups = [(depth, name) for depth, name in groups if depth < level]
            if pending is not None:
                current, body = (pending[0], line.strip(), pending[1], groups[-1][1] if groups else None), []
            else:
                groups.append((level, line.strip()))
                current, body = None, []
            pending = None
        elif current is not None and not _UNDERLINE.match(line) and not line.startswith(".. _"):
            body.append(line.strip())
    close()
    return ScheduleProse(series, release_id, sections, _deadline_weekday(text))


def _level(levels: list[str], lines: list[str], index: int) -> int:
    """The heading's level: its underline style (with or without an overline) in order of first use."""
    overline = index > 0 and _UNDERLINE.match(lines[index - 1]) is not None
    style = ("over " if overline else "") + lines[index + 1].strip()[0]
    if style not in levels:
        levels.append(style)
    return levels.index(style)


def _deadline_weekday(text: str) -> int:
    note = re.search(r"deadlines are generally the (\w+)", text, re.IGNORECASE)
    if note and note.group(1).lower() in WEEKDAYS:
        return WEEKDAYS.index(note.group(1).lower())
    return THURSDAY


@dataclass(frozen=True)
class Mention:
    first: date
    last: date
    whole_week: bool  # "the week of …": the event is the week, not that day


def days_in_span(prose: str, first: date, last: date) -> Mention | None:
    """The day (or days) the prose names within ``first``..``last``; None when it names none there.

    A range or "the week of" wins over single days; of several single days, the last (a deadline).
    """
    inside = [m for m in mentions(prose, first) if m.first >= first and m.last <= last]
    if not inside:
        return None
    for mention in inside:
        if mention.whole_week or mention.first != mention.last:
            return mention
    return inside[-1]


def mentions(prose: str, near: date) -> list[Mention]:
    """Every date the prose names, a year supplied from ``near`` where the prose gives none."""
    found: list[tuple[int, int, Mention]] = []
    for pattern, reader in ((DAY_FIRST, _day_first), (MONTH_FIRST, _month_first)):
        for match in pattern.finditer(prose):
            try:
                mention = reader(match, near, prose[max(0, match.start() - 12) : match.start()])
            except ValueError:
                continue  # "30 February": not a date, so not a mention
            if mention is not None:
                found.append((match.start(), match.end(), mention))
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    kept: list[Mention] = []
    reach = -1
    for start, end, mention in found:
        if start >= reach:
            kept.append(mention)
            reach = end
    return kept


def _day_first(match: re.Match[str], near: date, before: str) -> Mention | None:
    first_day, last_day, month, year = match.group(1), match.group(2), match.group(3), match.group(4)
    month_no = month_number(month)
    last = _dated(int(year) if year else None, month_no, int(last_day), near)
    first = last.replace(day=int(first_day)) if first_day else last
    return Mention(first, last, "week of" in before.lower())


def _month_first(match: re.Match[str], near: date, before: str) -> Mention | None:
    month, first_day, end_month, last_day, year = (match.group(i) for i in range(1, 6))
    first_month = month_number(month)
    if last_day is None:
        first = _dated(int(year) if year else None, first_month, int(first_day), near)
        return Mention(first, first, "week of" in before.lower())
    last_month = month_number(end_month) if end_month else first_month
    last = _dated(int(year) if year else None, last_month, int(last_day), near)
    first_year = last.year - 1 if first_month > last_month else last.year
    first = date(first_year, first_month, int(first_day))
    return Mention(first, last, "week of" in before.lower())


def _dated(year: int | None, month: int, day: int, near: date) -> date:
    if year is not None:
        return date(year, month, day)
    candidates = []
    for guess in (near.year - 1, near.year, near.year + 1):
        try:
            candidates.append(date(guess, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError("no such day")
    return min(candidates, key=lambda day_: abs(day_ - near - timedelta(days=3)))

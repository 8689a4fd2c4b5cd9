"""Reading openstack/releases' ``schedule.rst``: the title, the sections behind each label, and the days in prose.

The YAML (or, for Mitaka and Newton, the RST table) says which week an event
is in; the prose under ``.. _label:`` gives its title and, often, its exact
day, written in whichever style its author liked: ``19 November, 2026``,
``May 14, 2026``, ``the 7th of June, 2017``, ``by 2024-08-28 00:00 UTC``,
``Dec 1-3``, ``From 12 to 16 October, 2026``, ``March 28 to April 1st``,
``26 February - 2 March 2018``, ``between 2024-08-14 23:45 UTC and
2024-08-28 23:45 UTC``, ``The week of September 7, 2026``, and several at
once (``On 27 November 2025 and 02 December 2025``), each an occurrence.
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
_ORDINAL = r"(?:st|nd|rd|th)?"
_NOT_MONTH_TAIL = r"(?![a-z])"
_TO = r"\s*(?:-|\u2013|\u2014|\b(?:to|through|thru|until|till)\b)\s*"


def _day_month(p: str) -> str:
    """Day first: ``19 November, 2026``, ``21 May 2026``, ``the 7th of June, 2017``, ``25 Aug``."""
    return (
        rf"(?P<{p}d>\d{{1,2}}){_ORDINAL}(?:\s+of)?\s+(?P<{p}m>{MONTH}){_NOT_MONTH_TAIL}"
        rf"(?:,?\s+(?P<{p}y>\d{{4}})(?!\d))?"
    )


def _month_day(p: str) -> str:
    """Month first: ``May 14, 2026``, ``June 7th``, ``Dec 1``."""
    return (
        rf"\b(?P<{p}m>{MONTH})\s+(?:the\s+)?(?P<{p}d>\d{{1,2}}){_ORDINAL}(?![\w:])"
        rf"(?:,?\s+(?P<{p}y>\d{{4}})(?!\d))?"
    )


def _iso(p: str) -> str:
    """ISO: ``2024-08-28``, ``2024-08-28 00:00 UTC``, ``2024-08-28T23:45``: the time is read past, the day kept."""
    return (
        rf"(?P<{p}y>\d{{4}})-(?P<{p}m>\d{{2}})-(?P<{p}d>\d{{2}})(?![\d])"
        r"(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:UTC|Z))?)?"
    )


def _bare_day(p: str) -> str:
    """The first day of ``12 to 16 October`` or ``13th - 17th March``: a number alone."""
    return rf"(?P<{p}d>\d{{1,2}}){_ORDINAL}(?![\w:])"


def _date(p: str) -> str:
    return f"(?:{_iso(p + 'i')}|{_day_month(p + 'a')}|{_month_day(p + 'b')})"


_ALONE = r"(?<![\w.:-])"  # a date starts a word: not the "3" of "Antelope-3", the "11" of "7-11" or of "10:11"


_FLAGS = re.IGNORECASE
# Each form, the longest first: a range's ends are not read again as single days.
_RANGES = (
    re.compile(rf"\bbetween\s+{_date('f')}\s+and\s+{_date('l')}", _FLAGS),
    re.compile(rf"{_ALONE}{_date('f')}{_TO}{_date('l')}", _FLAGS),
    re.compile(rf"{_ALONE}{_bare_day('f')}{_TO}{_day_month('l')}", _FLAGS),  # "12 to 16 October, 2026"
    # "Dec 1-3", "October 17-21, 2022"
    re.compile(
        rf"\b(?P<lm>{MONTH})\s+(?P<fd>\d{{1,2}}){_ORDINAL}{_TO}(?P<ld>\d{{1,2}}){_ORDINAL}(?![\w:])"
        rf"(?:,?\s+(?P<ly>\d{{4}})(?!\d))?",
        _FLAGS,
    ),
)
_SINGLE = re.compile(_ALONE + _date("s"), _FLAGS)
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
    edge: str | None = None  # "opens" ("begins at …", "from …") or "closes" ("ends …", "until …"): one end of a phase

    @property
    def covers(self) -> tuple[date, date]:
        """The days it stands for: the whole Monday-to-Sunday week for "the week of"."""
        if not self.whole_week:
            return self.first, self.last
        monday = self.first - timedelta(days=self.first.weekday())
        return monday, max(self.last, monday + timedelta(days=6))


def days_in_span(prose: str, first: date, last: date) -> list[Mention]:
    """Each occurrence the prose names within ``first``..``last``, in date order; empty when it names none there.

    Every day or range named is an occurrence ("On 27 November 2025 and 02
    December 2025" is two); a day inside a range or "the week of" it names is
    part of that span ("The week of 6 August 2018 …, with a deadline of 9
    August 2018" is the week), and a day named twice is one occurrence.
    """
    inside = [m for m in mentions(prose, first) if m.first >= first and m.last <= last]
    spans = [m for m in inside if m.whole_week or m.first != m.last]
    singles = [m for m in inside if not any(s.covers[0] <= m.first <= s.covers[1] for s in spans)]
    found = {(m.first, m.last): m for m in [*spans, *singles]}
    return sorted(found.values(), key=lambda m: (m.first, m.last))


def mentions(prose: str, near: date) -> list[Mention]:
    """Every date the prose names, in the order written, a year supplied from ``near`` where the prose gives none."""
    found: list[tuple[int, int, Mention]] = []
    for pattern in (*_RANGES, _SINGLE):
        for match in pattern.finditer(prose):
            try:
                mention = _read(match, near, prose[max(0, match.start() - 40) : match.start()])
            except ValueError:
                continue  # "30 February", "3 to 1 May": not a date, so not a mention
            found.append((match.start(), match.end(), mention))
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    kept: list[Mention] = []
    reach = -1
    for start, end, mention in found:
        if start >= reach:
            kept.append(mention)
            reach = end
    return kept


_OPENS = re.compile(r"\b(?:begins?|starts?|opens?|from)(?:\s+(?:at|on))?\s*$", re.IGNORECASE)
_CLOSES = re.compile(r"\b(?:ends?|closes?|until|till)(?:\s+[\w.]+){0,4}?\s+(?:at|on|by)?\s*$", re.IGNORECASE)


def _edge(before: str) -> str | None:
    if _OPENS.search(before):
        return "opens"
    if _CLOSES.search(before):
        return "closes"
    return None


_MAX_RANGE = timedelta(days=62)  # longer is two dates that happen to be joined, not one span


def _read(match: re.Match[str], near: date, before: str) -> Mention:
    groups = {name: value for name, value in match.groupdict().items() if value is not None}
    week_of = "week of" in before[-12:].lower()
    last_parts = _parts(groups, "l") or _parts(groups, "s")
    if last_parts is None:
        raise ValueError("no date")
    first_parts = _parts(groups, "f")
    if first_parts is None:
        day = _dated(last_parts, near)
        return Mention(day, day, week_of, _edge(before))
    day_, month, year = first_parts
    month = month or last_parts[1]
    if year is not None:
        first = date(year, month, day_)
        last = _dated(last_parts, near, after=first)
    else:
        last = _dated(last_parts, near)
        first = date(last.year - (1 if (month, day_) > (last.month, last.day) else 0), month, day_)
    if not first <= last <= first + _MAX_RANGE:
        raise ValueError("not a span")
    return Mention(first, last, week_of)


def _parts(groups: dict[str, str], prefix: str) -> tuple[int, int | None, int | None] | None:
    """(day, month, year) of the date whose groups start with ``prefix``; month None when the range shares one."""
    for sub in (prefix + "i", prefix + "a", prefix + "b", prefix):
        if sub + "d" in groups:
            text = groups.get(sub + "m")
            month = None if text is None else int(text) if text.isdigit() else month_number(text)
            year = int(groups[sub + "y"]) if sub + "y" in groups else None
            return int(groups[sub + "d"]), month, year
    return None


def _dated(parts: tuple[int, int | None, int | None], near: date, after: date | None = None) -> date:
    day, month, year = parts
    if month is None:
        raise ValueError("no month")
    if year is not None:
        return date(year, month, day)
    if after is not None:  # the end of a range whose start gave the year: "December 28, 2026 - January 3"
        guess = date(after.year, month, day)
        return guess if guess >= after else date(after.year + 1, month, day)
    candidates = []
    for guess in (near.year - 1, near.year, near.year + 1):
        try:
            candidates.append(date(guess, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError("no such day")
    return min(candidates, key=lambda day_: abs(day_ - near - timedelta(days=3)))

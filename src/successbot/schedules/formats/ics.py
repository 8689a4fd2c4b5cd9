"""iCalendar (``.ics``): import any calendar's events, and export ours so people can subscribe.

Our own properties (``X-SUCCESSBOT-KIND``, ``-SERIES``, ``-RELEASE``,
``-PROJECT``, ``-LABEL``) make an export import back unchanged; a foreign
calendar's events become deadlines, or the kind their CATEGORIES name.

A calendar is anyone's file, so what it may hold is bounded: more than
``bounds.MAX_EVENTS`` events are refused before any is read, and a recurring
event (RRULE) is expanded only when its rule is a plain daily, weekly,
monthly or yearly one (INTERVAL, COUNT, UNTIL, BYDAY), to at most
``MAX_OCCURRENCES`` occurrences within ``RECURRENCE_HORIZON`` of its start.
Any other rule (hourly or finer, BYMONTHDAY, BYSETPOS, …) gives its first
occurrence only, with a note: dateutil took 5 to 18 s to find that
``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31`` never occurs, however near its UNTIL.
A rule longer than ``MAX_RULE_LENGTH`` refuses the file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from successbot.schedules.formats.bounds import MAX_EVENTS, too_many_events
from successbot.schedules.model import Event, ImportResult, Kind, ScheduleImportError, day_event_span

if TYPE_CHECKING:
    import icalendar  # imported when a calendar is read or written: a bot without one never pays for it

PRODUCT_ID = "-//successbot//schedule//EN"

MAX_OCCURRENCES = 100  # per recurring event: two years of a weekly meeting
RECURRENCE_HORIZON = timedelta(days=2 * 366)
MAX_RULE_LENGTH = 300  # characters of an RRULE value; published rules are a few dozen
# Rules whose every period has an occurrence: dateutil finds each at once, never searching for years.
EXPANDED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
EXPANDED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"}


def import_calendar(source: str, text: str) -> ImportResult:
    _refuse_long_rules(source, text)
    try:
        import icalendar

        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        raise ScheduleImportError(source, f"not a valid iCalendar file: {str(error).splitlines()[0]}") from None
    result = ImportResult()
    components = calendar.walk("VEVENT")
    if len(components) > MAX_EVENTS:
        raise too_many_events(source, len(components))
    for index, component in enumerate(components):
        summary = str(component.get("SUMMARY") or "").strip()
        entry = f"VEVENT {index + 1}" + (f" ({summary})" if summary else "")
        if not summary:
            raise ScheduleImportError(source, "expected a SUMMARY (the event's title)", entry)
        start, end, all_day = _span(source, component, entry)
        first = Event(
            _kind(component),
            summary,
            start,
            end,
            source,
            entry,
            all_day=all_day,
            series=_text(component, "X-SUCCESSBOT-SERIES"),
            release_id=_text(component, "X-SUCCESSBOT-RELEASE"),
            project=_text(component, "X-SUCCESSBOT-PROJECT"),
            label=_text(component, "X-SUCCESSBOT-LABEL"),
        )
        occurrences = [first]
        if component.get("RRULE") is not None:
            occurrences = _occurrences(source, component, first, result.notes)
        if len(result.events) + len(occurrences) > MAX_EVENTS:
            raise too_many_events(source, len(result.events) + len(occurrences))
        result.events += occurrences
    return result


_LONG_RULE_LINE = re.compile(rf"^RRULE[;:][^\r\n]{{{MAX_RULE_LENGTH},}}", re.IGNORECASE | re.MULTILINE)


def _refuse_long_rules(source: str, text: str) -> None:
    """Refuse a file with an RRULE longer than ``MAX_RULE_LENGTH`` before icalendar reads it.

    icalendar builds a rule whole: an 850 kB one cost it 2.5 s, and writing it
    back for the check below 1.5 s more, at every refresh. Here its value is
    only measured, on the unfolded lines; the check after parsing stays for
    what this one does not see.
    """
    if len(text) <= MAX_RULE_LENGTH or "rrule" not in text.lower():
        return  # most calendars: 30 ms for 20 MB (a regular expression searching it took 0.2 s)
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    if not _LONG_RULE_LINE.search(unfolded):
        return
    number, summary, longest = 0, "", 0
    for line in unfolded.splitlines():
        name = line[:12].upper()
        if name.startswith("BEGIN:VEVENT"):
            number, summary, longest = number + 1, "", 0
        elif name.startswith(("SUMMARY:", "SUMMARY;")):
            summary = _unescaped(_value(line)).strip()
        elif name.startswith(("RRULE:", "RRULE;")):
            longest = max(longest, len(_value(line)))
        elif name.startswith("END:VEVENT") and longest > MAX_RULE_LENGTH and summary:
            entry = f"VEVENT {number} ({summary})"
            raise ScheduleImportError(
                source, f"refused: its RRULE is {longest:,} characters long (at most {MAX_RULE_LENGTH})", entry
            )


def _value(line: str) -> str:
    """A content line's value: after the first colon outside a quoted parameter."""
    colon = line.find(":")
    if colon < 0 or '"' not in line[:colon]:
        return line[colon + 1 :] if colon >= 0 else ""
    quoted = False
    for index, character in enumerate(line):
        if character == '"':
            quoted = not quoted
        elif character == ":" and not quoted:
            return line[index + 1 :]
    return ""


def _unescaped(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda found: "\n" if found[1] in "nN" else found[1], value)


def _occurrences(source: str, component: icalendar.Event, first: Event, notes: list[str]) -> list[Event]:
    """``first`` and its recurrences, bounded; only ``first`` (with a note) for a rule not expanded."""
    rule = component.get("RRULE")
    rule = rule[0] if isinstance(rule, list) and rule else rule
    try:
        text = rule.to_ical().decode("ascii", errors="replace")
    except (AttributeError, ValueError, TypeError):
        text = ""
    parts = {part.split("=", 1)[0].upper() for part in text.split(";") if part}
    frequency = next(
        (part.split("=", 1)[1].upper() for part in text.split(";") if part.upper().startswith("FREQ=")), ""
    )
    if len(text) > MAX_RULE_LENGTH:  # no calendar program writes these: the file is made to hurt
        raise ScheduleImportError(
            source, f"refused: its RRULE is {len(text):,} characters long (at most {MAX_RULE_LENGTH})", first.entry
        )
    if frequency not in EXPANDED_FREQUENCIES or not parts <= EXPANDED_PARTS:
        notes.append(f"{source}: {first.entry} repeats (RRULE {text}); only its first occurrence is imported")
        return [first]
    from dateutil.rrule import rrulestr  # icalendar's own dependency

    # In the event's own zone, so that a weekly 15:00 stays 15:00 across a change of daylight saving time.
    local = component.decoded("DTSTART")
    if first.all_day:
        anchor = first.start.replace(tzinfo=None)
    else:
        anchor = local if isinstance(local, datetime) and local.tzinfo is not None else first.start
    try:
        recurrence = rrulestr(text, dtstart=anchor, ignoretz=first.all_day)
    except (ValueError, TypeError, OverflowError) as error:
        notes.append(f"{source}: {first.entry} repeats, but its RRULE cannot be read ({error}); first occurrence only")
        return [first]
    horizon = anchor + RECURRENCE_HORIZON
    excluded = _excluded(component, first.all_day)
    length = first.end - first.start
    found: list[Event] = []
    for moment in _safely(recurrence):
        if moment > horizon or len(found) == MAX_OCCURRENCES:
            notes.append(
                f"{source}: {first.entry} repeats beyond {MAX_OCCURRENCES} occurrences or two years; "
                f"the first {len(found)} are imported"
            )
            break
        start = moment.replace(tzinfo=UTC) if first.all_day else moment.astimezone(UTC)
        if start in excluded:
            continue
        number = len(found) + 1
        entry = first.entry if number == 1 else f"{first.entry} #{number}"
        found.append(replace(first, start=start, end=start + length, entry=entry))
    return found or [first]


def _safely(moments: Iterable[datetime]) -> Iterable[datetime]:
    """The occurrences until dateutil gives up (a date past year 9999)."""
    try:
        yield from moments
    except (ValueError, OverflowError):
        return


def _excluded(component: icalendar.Event, all_day: bool) -> set[datetime]:
    """The EXDATE instants, as the occurrences are computed (UTC; a date at 00:00 UTC)."""
    found: set[datetime] = set()
    values = component.get("EXDATE")
    for group in values if isinstance(values, list) else [values] if values is not None else []:
        for item in getattr(group, "dts", []):
            moment = item.dt
            if not isinstance(moment, datetime):
                found.add(datetime.combine(moment, datetime.min.time(), UTC))
            else:
                found.add(_utc(moment))
    return found


def _span(source: str, component: icalendar.Event, entry: str) -> tuple[datetime, datetime, bool]:
    if component.get("DTSTART") is None:
        raise ScheduleImportError(source, "expected a DTSTART", entry)
    start = component.decoded("DTSTART")
    if component.get("DTEND") is not None:
        end = component.decoded("DTEND")
    elif component.get("DURATION") is not None:
        end = start + component.decoded("DURATION")
    else:
        end = start + timedelta(days=1) if not isinstance(start, datetime) else start
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise ScheduleImportError(source, "expected DTSTART and DTEND both dates or both times", entry)
    if not isinstance(start, datetime):
        first, after = day_event_span(start, end - timedelta(days=1) if end > start else start)
        return first, after, True
    start, end = _utc(start), _utc(end)
    if end < start:
        raise ScheduleImportError(source, "DTEND is before DTSTART", entry)
    return start, end, False


def _utc(moment: datetime) -> datetime:
    # A floating time (no zone) has no better reading than UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _kind(component: icalendar.Event) -> Kind:
    named = [_text(component, "X-SUCCESSBOT-KIND")]
    categories = component.get("CATEGORIES")
    for group in categories if isinstance(categories, list) else [categories] if categories else []:
        named += [str(category) for category in group.cats]
    for name in named:
        if name:
            try:
                return Kind.named(name)
            except ValueError:
                continue
    return Kind.DEADLINE


def _text(component: icalendar.Event, name: str) -> str | None:
    value = component.get(name)
    return str(value).strip() or None if value is not None else None


def export_calendar(events: Iterable[Event], now: datetime, name: str = "successbot schedule") -> str:
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODUCT_ID)
    calendar.add("VERSION", "2.0")
    calendar.add("X-WR-CALNAME", name)
    for event in events:
        calendar.add_component(_component(event, now))
    return calendar.to_ical().decode("utf-8")


def _component(event: Event, now: datetime) -> icalendar.Event:
    import icalendar

    component = icalendar.Event()
    identity = f"{event.source}|{event.entry}|{event.kind.value}|{event.start.isoformat()}"
    component.add("UID", hashlib.sha256(identity.encode()).hexdigest()[:32] + "@successbot")
    component.add("DTSTAMP", now)
    component.add("SUMMARY", event.title)
    if event.all_day:
        component.add("DTSTART", event.start.date())
        component.add("DTEND", event.end.date())
    else:
        component.add("DTSTART", event.start)
        component.add("DTEND", event.end)
    component.add("CATEGORIES", [event.kind.value])
    component.add("X-SUCCESSBOT-KIND", event.kind.value)
    for key, value in (
        ("SERIES", event.series),
        ("RELEASE", event.release_id),
        ("PROJECT", event.project),
        ("LABEL", event.label),
    ):
        if value:
            component.add(f"X-SUCCESSBOT-{key}", value)
    return component

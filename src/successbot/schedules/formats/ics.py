"""iCalendar (``.ics``): import any calendar's events, and export ours so people can subscribe.

Our own properties (``X-SUCCESSBOT-KIND``, ``-SERIES``, ``-RELEASE``,
``-PROJECT``, ``-LABEL``) make an export import back unchanged; a foreign
calendar's events become deadlines, or the kind their CATEGORIES name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from successbot.schedules.model import Event, ImportResult, Kind, ScheduleImportError, day_event_span

if TYPE_CHECKING:
    import icalendar  # imported when a calendar is read or written: a bot without one never pays for it

PRODUCT_ID = "-//successbot//schedule//EN"


def import_calendar(source: str, text: str) -> ImportResult:
    try:
        import icalendar

        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        raise ScheduleImportError(source, f"not a valid iCalendar file: {str(error).splitlines()[0]}") from None
    result = ImportResult()
    for index, component in enumerate(calendar.walk("VEVENT")):
        summary = str(component.get("SUMMARY") or "").strip()
        entry = f"VEVENT {index + 1}" + (f" ({summary})" if summary else "")
        if not summary:
            raise ScheduleImportError(source, "expected a SUMMARY (the event's title)", entry)
        if component.get("RRULE") is not None:
            result.notes.append(f"{source}: {entry} repeats (RRULE); only its first occurrence is imported")
        start, end, all_day = _span(source, component, entry)
        result.events.append(
            Event(
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
        )
    return result


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

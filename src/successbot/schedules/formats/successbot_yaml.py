"""Our own schedule format, for communities that publish nothing machine-readable.

    successbot-schedule: 1
    series: 2027.1            # optional: the default for every event
    events:
      - title: Feature freeze
        kind: freeze          # milestone, freeze, release candidate, final release, deadline, election phase
        date: 2027-02-18      # a day (UTC)
      - title: PTG
        kind: deadline
        start: 2026-10-12     # days, both included …
        end: 2026-10-16
      - title: TC nominations
        kind: election phase
        start: 2026-08-05T23:45   # … or UTC times
        end: 2026-08-19T23:45
      - title: Nova spec freeze
        kind: freeze
        at: 2026-06-11T23:59      # an instant
        project: nova
        label: h-nova-spec-freeze
        description: No new specs are approved after this.   # optional: the digest quotes it

The series is a release id (``2027.1``) or a name (``indri``); write both as
``series: indri`` and ``release: 2027.1``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from successbot.schedules.model import Event, ImportResult, Kind, ScheduleImportError, day_event_span

MARKER = "successbot-schedule"
FIELDS = {"title", "kind", "date", "start", "end", "at", "series", "release", "project", "label", "description"}


def export_yaml(events: list[Event]) -> str:
    import yaml

    rows: list[dict[str, str]] = []
    for event in events:
        row = {"title": event.title, "kind": event.kind.value}
        if event.all_day and event.last_day == event.start.date():
            row["date"] = event.start.date().isoformat()
        elif event.all_day:
            row["start"], row["end"] = event.start.date().isoformat(), event.last_day.isoformat()
        elif event.start == event.end:
            row["at"] = f"{event.start:%Y-%m-%dT%H:%M}"
        else:
            row["start"], row["end"] = f"{event.start:%Y-%m-%dT%H:%M}", f"{event.end:%Y-%m-%dT%H:%M}"
        for key, value in (
            ("series", event.series),
            ("release", event.release_id),
            ("project", event.project),
            ("label", event.label),
            ("description", event.description),
        ):
            if value:
                row[key] = value
        rows.append(row)
    return yaml.safe_dump({MARKER: "1", "events": rows}, sort_keys=False, allow_unicode=True)


def import_successbot_yaml(source: str, data: dict[str, Any]) -> ImportResult:
    line = getattr(data, "line", None)
    if str(data.get(MARKER)).strip() != "1":
        raise ScheduleImportError(source, f"expected '{MARKER}: 1', found {data.get(MARKER)!r}", MARKER, line)
    events = data.get("events")
    if not isinstance(events, list):
        raise ScheduleImportError(source, "expected 'events' to be a list", "events", line)
    default_series = _text(data.get("series"))
    default_release = _text(data.get("release"))
    result = ImportResult()
    for index, raw in enumerate(events):
        entry, entry_line = f"events[{index}]", getattr(raw, "line", line)
        if not isinstance(raw, dict):
            raise ScheduleImportError(
                source, f"expected an event (title, kind, date), found {raw!r}", entry, entry_line
            )
        result.events.append(_event(source, entry, entry_line, raw, default_series, default_release))
    return result


def _event(
    source: str, entry: str, line: int | None, raw: dict[str, Any], series: str | None, release: str | None
) -> Event:
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise ScheduleImportError(
            source, f"unknown field {unknown[0]!r}; expected {', '.join(sorted(FIELDS))}", entry, line
        )
    title = _text(raw.get("title"))
    if not title:
        raise ScheduleImportError(source, "expected a title", entry, line)
    entry = f"{entry} ({title})"
    try:
        kind = Kind.named(str(raw.get("kind") or ""))
    except ValueError as error:
        raise ScheduleImportError(source, str(error), entry, line) from None
    start, end, all_day = _span(source, entry, line, raw)
    series = _text(raw.get("series")) or series
    release = _text(raw.get("release")) or release
    if series and not release and re.fullmatch(r"\d{4}\.\d", series):
        series, release = None, series
    return Event(
        kind,
        title,
        start,
        end,
        source,
        entry,
        all_day=all_day,
        series=series.lower() if series else None,
        release_id=release,
        project=_text(raw.get("project")),
        label=_text(raw.get("label")),
        description=" ".join((_text(raw.get("description")) or "").split()) or None,
    )


def _span(source: str, entry: str, line: int | None, raw: dict[str, Any]) -> tuple[datetime, datetime, bool]:
    given = [key for key in ("date", "at", "start") if raw.get(key) is not None]
    if len(given) != 1 or (given == ["start"]) != (raw.get("end") is not None):
        raise ScheduleImportError(source, "expected exactly one of: date, at, or start with end", entry, line)
    if given == ["date"]:
        start, end = day_event_span(_day(source, entry, line, raw["date"], "date"))
        return start, end, True
    if given == ["at"]:
        moment = _moment(source, entry, line, raw["at"], "at")
        return moment, moment, False
    first, last = str(raw["start"]).strip(), str(raw["end"]).strip()
    if "T" not in first and "T" not in last:
        start, end = day_event_span(_day(source, entry, line, first, "start"), _day(source, entry, line, last, "end"))
        if end <= start:
            raise ScheduleImportError(source, f"end {last} is before start {first}", entry, line)
        return start, end, True
    start, end = _moment(source, entry, line, first, "start"), _moment(source, entry, line, last, "end")
    if end < start:
        raise ScheduleImportError(source, f"end {last} is before start {first}", entry, line)
    return start, end, False


def _day(source: str, entry: str, line: int | None, value: Any, key: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScheduleImportError(source, f"expected {key} as YYYY-MM-DD, found {value!r}", entry, line) from None


def _moment(source: str, entry: str, line: int | None, value: Any, key: str) -> datetime:
    text = str(value).strip().removesuffix("Z").removesuffix("z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ScheduleImportError(
            source, f"expected {key} as YYYY-MM-DDTHH:MM (UTC), found {value!r}", entry, line
        ) from None
    if moment.tzinfo is not None and moment.utcoffset():
        raise ScheduleImportError(source, f"expected {key} in UTC, found the offset in {value!r}", entry, line)
    return moment.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None

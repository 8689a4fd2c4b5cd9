"""openstack/election timelines: ``configuration.yaml`` and the older ``events.yaml``.

``configuration.yaml`` has ``timeline: [{name, start, end}]`` in UTC,
``YYYY-MM-DDTHH:MM``, for an ``election_type`` of ptl, tc or combined.
``events.yaml`` (2016) is ``[{date, name}]`` where a phase is two entries,
"PTL nomination starts" and "PTL nomination ends"; one 2016 configuration
file kept that list under ``timelines:``. A phase edited mid-flight to end
when it starts is data: it is kept, as an instant.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from successbot.core.dates import moment
from successbot.schedules.model import Event, ImportResult, Kind, ScheduleImportError

_BOUNDARY = re.compile(r"^(?P<phase>.+?)\s+(?P<edge>starts|begins|ends)$", re.IGNORECASE)


def import_configuration(source: str, data: dict[str, Any]) -> ImportResult:
    if "timelines" in data and "timeline" not in data:
        return import_events(source, data["timelines"], series=_release(data), entry="timelines")
    timeline = data.get("timeline")
    line = getattr(data, "line", None)
    if not isinstance(timeline, list) or not timeline:
        raise ScheduleImportError(source, "expected 'timeline' to be a list of {name, start, end}", "timeline", line)
    election_type = str(data.get("election_type") or "").strip().lower()
    if election_type and election_type not in ("ptl", "tc", "combined"):
        raise ScheduleImportError(
            source, f"expected election_type ptl, tc or combined, found {election_type!r}", "election_type", line
        )
    series = _release(data)
    result = ImportResult()
    for index, raw in enumerate(timeline):
        entry, entry_line = f"timeline[{index}]", getattr(raw, "line", line)
        if not isinstance(raw, dict) or not str(raw.get("name") or "").strip():
            raise ScheduleImportError(source, f"expected {{name, start, end}}, found {raw!r}", entry, entry_line)
        name = str(raw["name"]).strip()
        start = _instant(source, raw.get("start"), f"{entry} ({name}) start", entry_line)
        end = _instant(source, raw.get("end"), f"{entry} ({name}) end", entry_line)
        if end < start:
            raise ScheduleImportError(
                source, f"ends ({moment(end)}) before it starts ({moment(start)})", f"{entry} ({name})", entry_line
            )
        if end == start:
            result.notes.append(f"{source}: {entry} ({name}) ends when it starts; kept as an instant")
        result.events.append(_phase(source, entry, name, start, end, series))
    return result


def import_events(source: str, data: Any, series: str | None = None, entry: str = "") -> ImportResult:
    if not isinstance(data, list) or not data:
        raise ScheduleImportError(source, "expected a list of {date, name}", entry or None)
    opened: dict[str, tuple[int, datetime]] = {}
    result = ImportResult()
    for index, raw in enumerate(data):
        where = f"{entry}[{index}]" if entry else f"entry {index + 1}"
        line = getattr(raw, "line", None)
        if not isinstance(raw, dict) or "date" not in raw or "name" not in raw:
            raise ScheduleImportError(source, f"expected {{date, name}}, found {raw!r}", where, line)
        name = str(raw["name"]).strip()
        boundary = _BOUNDARY.match(name)
        if boundary is None:
            raise ScheduleImportError(
                source, f"expected a name ending in starts, begins or ends, found {name!r}", where, line
            )
        phase, at = boundary.group("phase"), _instant(source, raw["date"], f"{where} ({name})", line)
        if boundary.group("edge").lower() != "ends":
            opened[phase.casefold()] = (index, at)
            continue
        if phase.casefold() not in opened:
            raise ScheduleImportError(source, f"{name!r} has no matching start before it", where, line)
        first, start = opened.pop(phase.casefold())
        if at < start:
            raise ScheduleImportError(source, f"{name!r} is before its start", where, line)
        result.events.append(
            _phase(source, f"entries {first + 1}-{index + 1}" if not entry else where, phase, start, at, series)
        )
    for phase, (index, _at) in opened.items():
        result.notes.append(f"{source}: entry {index + 1} ({phase} starts) has no end; ignored")
    return result


def _phase(source: str, entry: str, name: str, start: datetime, end: datetime, series: str | None) -> Event:
    release_id = series if series and re.fullmatch(r"\d{4}\.\d", series) else None
    return Event(
        Kind.ELECTION_PHASE,
        name,
        start,
        end,
        source,
        entry,
        series=None if release_id else series,
        release_id=release_id,
    )


def _release(data: dict[str, Any]) -> str | None:
    release = data.get("release")
    return str(release).strip().lower() if release is not None else None


def _instant(source: str, value: Any, entry: str, line: int | None) -> datetime:
    text = str(value or "").strip()
    try:
        parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ScheduleImportError(
            source, f"expected a UTC time YYYY-MM-DDTHH:MM, found {value!r}", entry, line
        ) from None
    return parsed.replace(tzinfo=UTC)

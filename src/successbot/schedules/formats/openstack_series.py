"""openstack/releases ``series_status.yaml``: every series with its release id and lifecycle dates.

Imported as a source it gives each series' release day and the days it
changes phase (maintained, unmaintained, end of life). The release schedule
importer also reads it, when it sits beside the schedules, for series names
and release ids.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from successbot.schedules.model import Event, ImportResult, Kind, ScheduleImportError, day_event_span


def import_series_status(source: str, data: list[Any]) -> ImportResult:
    result = ImportResult()
    for index, raw in enumerate(data):
        entry, line = f"entry {index + 1}", getattr(raw, "line", None)
        if not isinstance(raw, dict) or not raw.get("name") or not raw.get("status"):
            raise ScheduleImportError(source, f"expected a series with name and status, found {raw!r}", entry, line)
        name = str(raw["name"]).strip().lower()
        release_id = str(raw["release-id"]).strip() if raw.get("release-id") else None
        entry = f"{entry} ({name})"
        shown = f"{release_id} {name.capitalize()}" if release_id else name.capitalize()

        def add(
            kind: Kind,
            title: str,
            value: Any,
            key: str,
            entry: str = entry,
            line: int | None = line,
            name: str = name,
            release_id: str | None = release_id,
        ) -> None:
            try:
                day = date.fromisoformat(str(value).strip())
            except ValueError:
                raise ScheduleImportError(
                    source, f"expected {key} to be YYYY-MM-DD, found {value!r}", entry, line
                ) from None
            start, end = day_event_span(day)
            result.events.append(
                Event(
                    kind, title, start, end, source, f"{entry} {key}", all_day=True, series=name, release_id=release_id
                )
            )

        if raw.get("initial-release"):
            add(Kind.FINAL_RELEASE, f"{shown} release", raw["initial-release"], "initial-release")
        phase = raw.get("next-phase")
        if isinstance(phase, dict) and phase.get("date") and phase.get("status"):
            add(Kind.DEADLINE, f"{shown} becomes {phase['status']}", phase["date"], "next-phase")
        if raw.get("eol-date"):
            add(Kind.DEADLINE, f"{shown} reaches end of life", raw["eol-date"], "eol-date")
    return result

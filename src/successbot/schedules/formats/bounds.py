"""How much one schedule source may hold: a source is anyone's file, and one file must not hurt the bot.

A 464-byte election file once stored a 312 MB title. Whatever the format,
``bounded`` clips a title longer than ``MAX_TITLE`` and a description longer than
``MAX_DESCRIPTION`` (marked ``…``, and noted)
and drops an event whose series, release, project or label is longer than
the database keeps (noted), and a source of more than ``MAX_EVENTS`` events
is refused whole. The size of the file itself is bounded before it is parsed
(``[schedule] max_source_bytes``, in ``schedules.sources``).
"""

from __future__ import annotations

from dataclasses import replace

from successbot.schedules.model import ImportResult, ScheduleImportError

MAX_TITLE = 300  # characters: far above any published title, far below what a reply can show
# characters of what a source says of an event (the digest quotes it): OpenStack's longest section is about 900
MAX_DESCRIPTION = 2000
MAX_EVENTS = 100_000  # per source: 63,000 one-hour meetings, about five years of ten teams, still fit
# The columns' widths (storage.tables): longer would fail on PostgreSQL, or be cut silently elsewhere.
MAX_ENTRY = 255
MAX_FIELDS = {"series": 64, "release_id": 32, "project": 64, "label": 128}
CLIP_MARK = "…"


def too_many_events(source: str, count: int) -> ScheduleImportError:
    return ScheduleImportError(source, f"refused: more than {MAX_EVENTS:,} events (found {count:,} or more)")


def bounded(source: str, result: ImportResult) -> ImportResult:
    """``result`` with every event within the bounds; raises ScheduleImportError when it holds too many."""
    if len(result.events) > MAX_EVENTS:
        raise too_many_events(source, len(result.events))
    kept = []
    for event in result.events:
        long_field = next((name for name, width in MAX_FIELDS.items() if len(getattr(event, name) or "") > width), None)
        if long_field is not None:
            result.notes.append(
                f"{source}: {event.entry[:80]}: its {long_field.replace('_id', '')} is longer than "
                f"{MAX_FIELDS[long_field]} characters; event ignored"
            )
            continue
        if len(event.title) > MAX_TITLE:
            result.notes.append(
                f"{source}: {event.entry[:80]}: title of {len(event.title):,} characters clipped to {MAX_TITLE}"
            )
            event = replace(event, title=event.title[: MAX_TITLE - 1].rstrip() + CLIP_MARK)
        if event.description is not None and len(event.description) > MAX_DESCRIPTION:
            result.notes.append(
                f"{source}: {event.entry[:80]}: description of {len(event.description):,} characters clipped to "
                f"{MAX_DESCRIPTION}"
            )
            event = replace(event, description=event.description[: MAX_DESCRIPTION - 1].rstrip() + CLIP_MARK)
        if len(event.entry) > MAX_ENTRY:
            event = replace(event, entry=event.entry[: MAX_ENTRY - 1] + CLIP_MARK)
        kept.append(event)
    if result.events and not kept:
        raise ScheduleImportError(source, f"refused: no event within the bounds ({result.notes[-1]})")
    result.events = kept
    return result

"""A large, legitimate schedule source for load tests and the benchmark: a community's iCalendar of many meetings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from successbot.schedules.model import Event, Kind

FIRST = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
SPACING = timedelta(minutes=37)  # 63,000 meetings (20 MB) reach into 2030
TEAMS = ("nova", "neutron", "cinder", "glance", "keystone", "swift", "horizon", "ironic", "octavia", "manila")


def write_large_calendar(path: Path, meetings: int) -> int:
    """Write ``meetings`` one-hour team meetings as an .ics file (about 310 bytes each); returns its size."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//successbot tests//large calendar//EN"]
    for number in range(meetings):
        start = FIRST + number * SPACING
        team = TEAMS[number % len(TEAMS)]
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{number}@calendar.example.org",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{team.capitalize()} team meeting {number}",
            "CATEGORIES:deadline",
            f"X-SUCCESSBOT-PROJECT:{team}",
            "DESCRIPTION:The weekly meeting of the team\\, where progress is reviewed and the next steps agreed.",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    text = "\r\n".join(lines) + "\r\n"
    path.write_text(text, encoding="utf-8", newline="")
    return len(text.encode("utf-8"))


def large_schedule_events(source: str, meetings: int) -> list[Event]:
    """What ``write_large_calendar`` imports as, built directly (no parsing): to fill a store quickly."""
    events = []
    for number in range(meetings):
        team, start = TEAMS[number % len(TEAMS)], FIRST + number * SPACING
        title = f"{team.capitalize()} team meeting {number}"
        entry = f"VEVENT {number + 1} ({title})"
        events.append(Event(Kind.DEADLINE, title, start, start + timedelta(hours=1), source, entry, project=team))
    return events

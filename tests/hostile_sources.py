"""Schedule sources written to hurt: for the unit tests, the CLI tests and the real-network test.

Each is small (but the oversized one) and each was, before the bounds, a
crash, a hang or gigabytes: a 100,000-deep nesting (RecursionError, every
source lost), "billion laughs" (533 bytes: 57 s and 5.5 GB), an election file
whose phase name expands through aliases (464 bytes: a 312 MB title), a file
larger than ``[schedule] max_source_bytes``, and calendars whose recurrence
rule is huge or never occurs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path


def deep_nesting(levels: int = 100_000) -> str:
    return "cycle: " + "[" * levels + "]" * levels + "\n"


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    lines.append("cycle: *i")
    return "\n".join(lines) + "\n"


def huge_title_election() -> str:
    """An openstack/election configuration whose phase name is aliases of aliases: 9^7 words once expanded."""
    lines = ['w: &w ["laugh","laugh","laugh","laugh","laugh","laugh","laugh","laugh","laugh"]']
    previous = "w"
    for name in "xyzuvt":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    lines += [
        "timeline:",
        f"  - name: *{previous}",
        "    start: 2027-01-20T23:45",
        "    end: 2027-01-27T23:45",
    ]
    return "\n".join(lines) + "\n"


def long_title_election(length: int = 100_000) -> str:
    """A valid election file whose one phase name is ``length`` characters: imported, its title clipped."""
    return (
        f"timeline:\n  - name: PTL Nominations {'x' * length}\n    start: 2027-01-20T23:45\n    end: 2027-01-27T23:45\n"
    )


def calendar(rule: str, summary: str = "Team meeting") -> str:
    return (
        "\r\n".join(
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//successbot tests//hostile//EN",
                "BEGIN:VEVENT",
                "UID:meeting@hostile.example.org",
                "DTSTAMP:20270101T000000Z",
                "DTSTART:20270104T150000Z",
                "DTEND:20270104T160000Z",
                f"SUMMARY:{summary}",
                f"RRULE:{rule}",
                "END:VEVENT",
                "END:VCALENDAR",
            ]
        )
        + "\r\n"
    )


def huge_rrule() -> str:
    """A rule of 850 kB: every second, forever, on every listed second."""
    return calendar("FREQ=SECONDLY;COUNT=999999999;BYSECOND=" + ",".join(str(n % 60) for n in range(300_000)))


def never_occurring_rrule() -> str:
    """Every day that is the 31st of February: dateutil searched to year 9999 for it (5 to 18 s)."""
    return calendar("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")


def good_schedule(now: datetime) -> str:
    """Our own format, dated from ``now``: a freeze in ten days, whatever day the test runs."""
    freeze = (now + timedelta(days=10)).date()
    release = (now + timedelta(days=40)).replace(tzinfo=UTC)
    return (
        "successbot-schedule: 1\n"
        "series: 2027.1\n"
        "events:\n"
        "  - title: Feature freeze\n"
        "    kind: freeze\n"
        f"    date: {freeze.isoformat()}\n"
        "  - title: Final release\n"
        "    kind: final release\n"
        f"    at: {release:%Y-%m-%dT%H:%M}\n"
    )


def write_hostile_sources(directory: Path) -> dict[str, Path]:
    """Every hostile source that fits in a few kB, by name: each must be refused."""
    texts = {
        "deep.yaml": deep_nesting(),
        "laughs.yaml": billion_laughs(),
        "huge-title.yaml": huge_title_election(),
        "rrule.ics": huge_rrule(),
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = directory / name
        paths[name].write_text(text, encoding="utf-8", newline="")
    return paths

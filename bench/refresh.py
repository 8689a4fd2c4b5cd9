"""A large schedule refresh while people use the bot: how long #success, !help and !deadline take meanwhile.

    .venv/bin/python bench/refresh.py [--meetings 63000]

In process, no IRC, wired by ``open_app`` as ``successbot run`` is (the
sources parsed in a process of their own; ``--in-process``: by the
refreshing thread, as before): one
thread refreshes the configured sources (the Indri release schedule and a
generated 20 MB iCalendar of 63,000 meetings, stored once before, as after a
previous refresh), as the bot's scheduler thread does; the main thread sends
the three commands through the core, round robin, as the IRC side does.
Each command's latency is reported idle, while the sources are read and
parsed, and while the store writes the new events. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from big_schedule import large_schedule_events, write_large_calendar  # noqa: E402
from successbot.config import default_config  # noqa: E402
from successbot.core.messages import Message  # noqa: E402
from successbot.runtime.app import open_app  # noqa: E402
from successbot.schedules.sources import load_location  # noqa: E402

INDRI = str(ROOT / "tests" / "data" / "openstack" / "releases" / "indri" / "schedule.yaml")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # mid-cycle of Indri
COMMANDS = ("#success refreshed while busy", "!help", "!deadline")


def percentiles(samples: list[float]) -> str:
    if not samples:
        return "-"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:.1f} / {p95 * 1000:.1f} / {ordered[-1] * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=63_000, help="events in the large calendar (63,000: 20 MB)")
    parser.add_argument("--in-process", action="store_true", help="parse the sources in this process, not apart")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sb-refresh-bench-") as scratch:
        work = Path(scratch)
        calendar = work / "community.ics"
        size = write_large_calendar(calendar, args.meetings)
        base = default_config()
        config = replace(
            base,
            bot=replace(base.bot, console_channel="#dev"),
            database=replace(base.database, url=f"sqlite:///{work / 'bot.db'}"),
            schedule=replace(base.schedule, sources=(INDRI, str(calendar)), max_source_bytes=size + 1),
        )
        # As `successbot run` wires it: one engine, one schedule store for every thread, the sources parsed in a
        # process of their own (`--in-process`: parsed by the refreshing thread, as before 2026-12-01).
        app = open_app(config, parse_apart=not args.in_process)
        assert app.schedule is not None
        store = app.schedule.store
        store.replace_source(str(calendar), large_schedule_events(str(calendar), args.meetings), NOW, "ics")
        store.replace_source(INDRI, load_location(INDRI).events, NOW, "openstack-releases")
        writing: list[tuple[float, float]] = []
        replace_source = store.replace_source

        def timed(*a, **k):  # type: ignore[no-untyped-def]
            started = time.monotonic()
            try:
                return replace_source(*a, **k)
            finally:
                writing.append((started, time.monotonic()))

        store.replace_source = timed  # type: ignore[method-assign]
        core = app.core

        refused: list[str] = []

        def ask(text: str) -> float:
            started = time.monotonic()
            replies = core.handle(Message(text=text, nick="alice", channel="#dev", network="bench"), NOW)
            took = time.monotonic() - started
            if not replies or "Not recorded" in replies[0].text:
                refused.append(text)
            return took

        idle: dict[str, list[float]] = {text: [] for text in COMMANDS}
        for _ in range(60):
            for text in COMMANDS:
                idle[text].append(ask(text))
        busy: list[tuple[str, float, float]] = []  # (command, started, took)
        thread = threading.Thread(target=app.refresh_schedule, args=(NOW,))  # the scheduler thread's job
        began = time.monotonic()
        thread.start()
        while thread.is_alive():
            for text in COMMANDS:
                started = time.monotonic()
                busy.append((text, started, ask(text)))
            time.sleep(0.01)
        thread.join()
        refresh_seconds = time.monotonic() - began
        app.close()

    def during_writes(started: float) -> bool:
        return any(first <= started <= last for first, last in writing)

    print(f"large calendar: {size / 1e6:.1f} MB, {args.meetings} events; the refresh took {refresh_seconds:.1f} s,")
    print(
        f"of which the store wrote for {sum(b - a for a, b in writing):.2f} s (both sources); refused: {len(refused)}"
    )
    print()
    header = ("command", "idle (median / p95 / max)", "while parsing", "while the store writes", "n busy")
    rows = [header, tuple("-" * len(cell) for cell in header)]
    for text in COMMANDS:
        parsing = [took for command, started, took in busy if command == text and not during_writes(started)]
        writes = [took for command, started, took in busy if command == text and during_writes(started)]
        rows.append(
            (
                text.split()[0],
                percentiles(idle[text]),
                percentiles(parsing),
                percentiles(writes),
                str(len(parsing) + len(writes)),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The example schedule the console and ``ask`` start with when nothing is configured or stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from successbot.cli.example_schedule import EXAMPLE_SOURCE, ExampleScheduleStore, example_events
from successbot.config import load_config
from successbot.runtime.app import open_app
from successbot.schedules.model import Kind

INSTANTS = [
    datetime(2026, 12, 1, 10, 56, tzinfo=UTC),
    datetime(2031, 2, 28, 23, 59, 59, tzinfo=UTC),  # the last second of a day
    datetime(2044, 1, 1, 0, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("now", INSTANTS, ids=str)
def test_the_example_has_an_open_election_phase_and_deadlines_ahead_at_any_date(now):
    events = example_events(now)
    phases = [event for event in events if event.kind is Kind.ELECTION_PHASE]
    assert any(phase.start <= now < phase.end for phase in phases)  # !election names something open
    assert any(phase.start > now for phase in phases)
    ahead = [event for event in events if event.kind is not Kind.ELECTION_PHASE and event.start > now]
    assert len(ahead) >= 3 and {event.kind for event in ahead} >= {Kind.FREEZE, Kind.FINAL_RELEASE}
    assert all(event.start - now < timedelta(days=90) for event in ahead)  # near enough to read as a cycle
    assert {event.source for event in events} == {EXAMPLE_SOURCE}


def config_file(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "bot.ini"
    path.write_text(f"[database]\nurl = sqlite:///{tmp_path / 'bot.db'}\n{extra}", encoding="utf-8")
    return str(path)


def test_open_app_uses_the_example_only_when_nothing_is_configured_or_stored(tmp_path):
    now = INSTANTS[0]
    example = lambda: ExampleScheduleStore(now)  # noqa: E731
    app = open_app(load_config(config_file(tmp_path)), example_schedule=example)
    try:
        assert app.example_schedule and app.schedule is not None
        assert [state.location for state in app.schedule.store.sources()] == [EXAMPLE_SOURCE]
    finally:
        app.close()
    plain = open_app(load_config(config_file(tmp_path)))  # run on IRC: never the example
    try:
        assert not plain.example_schedule and plain.schedule.store.events() == []
        plain.schedule.store.replace_source("real.yaml", example_events(now)[:1], now, "successbot")
    finally:
        plain.close()
    stored = open_app(load_config(config_file(tmp_path)), example_schedule=example)
    try:
        assert not stored.example_schedule  # what was imported is answered from, not the example
        assert [state.location for state in stored.schedule.store.sources()] == ["real.yaml"]
    finally:
        stored.close()


def test_configured_sources_win_over_the_example(tmp_path):
    (tmp_path / "empty.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n", encoding="utf-8")
    path = config_file(tmp_path, f"[schedule]\nsources = {tmp_path / 'empty.ics'}\n")
    app = open_app(load_config(path), example_schedule=lambda: ExampleScheduleStore(INSTANTS[0]))
    try:
        assert not app.example_schedule
    finally:
        app.close()

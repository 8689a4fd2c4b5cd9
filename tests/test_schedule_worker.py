"""The schedule sources parsed in a process of their own (``schedules.worker``), as ``successbot run`` does:
the same events, notes, warnings and problems as parsing them in the bot, and a parser that dies is each
source's failure, never the bot's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from successbot.schedules.model import ImportResult, ScheduleImportError
from successbot.schedules.sources import (
    DEFAULT_MAX_SOURCE_BYTES,
    DEFAULT_TIMEOUT_SECONDS,
    load_location,
    refresh_sources,
)
from successbot.schedules.worker import load_apart

DATA = Path(__file__).resolve().parent / "data" / "openstack"
INDRI = str(DATA / "releases" / "indri" / "schedule.yaml")
ELECTION = str(DATA / "election" / "configuration-2026.2.yaml")
AT = datetime(2026, 3, 14, 12, tzinfo=UTC)


def test_sources_parsed_apart_are_what_parsing_them_here_gives(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("releases: [unclosed\n", encoding="utf-8")
    missing = str(tmp_path / "missing.yaml")
    locations = [INDRI, ELECTION, str(broken), missing]
    apart = load_apart(locations, DEFAULT_TIMEOUT_SECONDS, DEFAULT_MAX_SOURCE_BYTES)
    for location, got in zip(locations, apart, strict=True):
        try:
            here: ImportResult | ScheduleImportError = load_location(location)
        except ScheduleImportError as error:
            here = error
        assert type(got) is type(here), location
        if isinstance(here, ImportResult):
            assert got == here and here.events
        else:
            assert str(got) == str(here) and got.detail() == here.detail()


def test_a_parser_that_dies_fails_every_source_of_its_refresh_and_they_keep_their_events(schedule_store):
    refresh_sources(schedule_store, (INDRI,), AT)
    kept = len(schedule_store.events())

    def dying(locations, timeout, max_bytes):
        return load_apart(locations, timeout, max_bytes, python="/bin/false")

    (outcome,) = refresh_sources(schedule_store, (INDRI,), AT, load_all=dying)
    assert outcome.problem == "cannot read it: its parser stopped (exit status 1)"
    assert outcome.event_count == kept and len(schedule_store.events()) == kept
    (state,) = schedule_store.sources()
    assert state.problem == outcome.problem

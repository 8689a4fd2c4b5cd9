"""Schedule sources that cannot hurt the bot: each hostile one is refused in one line, and the others load.

Before the bounds, a 100,000-deep YAML first in ``[schedule] sources`` failed
the whole refresh with RecursionError (every source lost), billion laughs
took 57 s and 5.5 GB, and ``successbot schedule import`` printed tracebacks.
The real-network half is in ``integration/test_hostile_sources_network.py``.
"""

from __future__ import annotations

import http.server
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cli_runner import assert_one_clean_error_line
from cli_runner import run_cli as run
from harness import OPENSTACK_DATA, Channel, make_core
from hostile_sources import (
    billion_laughs,
    calendar,
    good_schedule,
    huge_rrule,
    long_title_election,
    never_occurring_rrule,
    write_hostile_sources,
)
from successbot.core.clock import FixedClock
from successbot.schedules.formats import bounds, ics
from successbot.schedules.formats.plain_yaml import MAX_DEPTH
from successbot.schedules.model import ScheduleImportError
from successbot.schedules.sources import ScheduleService, load_location, read_location, refresh_sources

AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
INDRI = str(OPENSTACK_DATA / "releases" / "indri" / "schedule.yaml")
ELECTION = str(OPENSTACK_DATA / "election" / "configuration-2027.1.yaml")
EXPECTED_REASONS = {
    "deep.yaml": f"refused: nested more than {MAX_DEPTH} levels deep",
    "laughs.yaml": "refused: its aliases expand to more than 100,000 nodes",
    "huge-title.yaml": "refused: its aliases expand to more than 100,000 nodes",
    "rrule.ics": "refused: its RRULE is 850,",
    "oversized.yaml": "refused: larger than 5 MB ([schedule] max_source_bytes); not parsed",
    "latin1.yaml": "cannot read it: not UTF-8 text (byte 21)",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile files, written once for the module: each test only reads them."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    paths = write_hostile_sources(tmp_path)
    paths["oversized.yaml"] = tmp_path / "oversized.yaml"
    with paths["oversized.yaml"].open("w") as file:  # valid YAML, just too much of it
        file.write("cycle:\n")
        while file.tell() <= 5_000_000:
            file.write("  - {name: R-1, start: 2027-01-04, end: 2027-01-08, x-project: [a-b-c-d]}\n" * 1000)
    paths["latin1.yaml"] = tmp_path / "latin1.yaml"
    paths["latin1.yaml"].write_bytes("timeline:\n- name: Vot\xe9\n".encode("latin-1"))
    return {name: str(path) for name, path in paths.items()}


def test_each_hostile_source_first_is_refused_in_one_line_and_the_others_load(schedule_store, hostile, caplog):
    locations = (*hostile.values(), INDRI, ELECTION)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, "successbot.schedules.sources"):
        outcomes = refresh_sources(schedule_store, locations, AT)
    assert time.monotonic() - started < 30  # each is refused early: billion laughs alone took 57 s
    by_name = {outcome.location.rsplit("/", 1)[-1]: outcome for outcome in outcomes}
    for name, reason in EXPECTED_REASONS.items():
        problem = by_name[name].problem
        assert problem is not None and reason in problem, (name, problem)
        assert "\n" not in problem and len(problem) < 400
    assert (by_name["schedule.yaml"].problem, by_name["configuration-2027.1.yaml"].problem) == (None, None)
    assert by_name["schedule.yaml"].event_count == 42
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == len(hostile)  # one line each, naming the source
    for location in hostile.values():
        assert sum(message.startswith(f"schedule source {location}") for message in warnings) == 1, warnings
    assert not [record for record in caplog.records if record.exc_info]
    stored = {event.source for event in schedule_store.events()}
    assert stored == {INDRI, ELECTION}


def test_the_bot_keeps_answering_after_a_reload_with_hostile_sources_first(store, schedule_store, hostile, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(good_schedule(AT))
    service = ScheduleService(schedule_store, (*hostile.values(), str(good)))
    core = make_core(store, admins=("root",), schedule=service)
    channel = Channel(core, FixedClock(AT))
    (reload,) = channel.say("!schedule reload", account="root")
    assert reload.startswith(f"alice: Reloaded 1 of {len(hostile) + 1} sources, 2 events held. {len(hostile)} failed")
    (deadline,) = channel.say("!deadline")
    assert "Feature freeze, Tue 8 Dec 2026 (in 10 days)" in deadline, deadline


def test_one_importer_failing_in_an_unforeseen_way_is_that_source_only(schedule_store, monkeypatch):
    import successbot.schedules.sources as sources

    real = sources.import_text

    def broken(source, text, read_sibling, format=None):
        if source == ELECTION:
            raise KeyError("timeline")  # a bug of ours meeting a file we did not foresee
        return real(source, text, read_sibling, format)

    monkeypatch.setattr(sources, "import_text", broken)
    outcomes = refresh_sources(schedule_store, (ELECTION, INDRI), AT)
    assert [outcome.problem for outcome in outcomes] == ["cannot read it: KeyError: 'timeline'", None]


def test_a_title_beyond_the_bound_is_clipped_with_a_mark_and_a_note(tmp_path):
    path = tmp_path / "configuration.yaml"
    path.write_text(long_title_election())
    result = load_location(str(path))
    (phase,) = result.events
    assert len(phase.title) == bounds.MAX_TITLE and phase.title.endswith(bounds.CLIP_MARK)
    assert phase.title.startswith("PTL Nominations xxx")
    assert any("title of 100,016 characters clipped to 300" in note for note in result.notes), result.notes


def test_a_description_beyond_the_bound_is_clipped_with_a_mark_and_a_note(tmp_path):
    # The digest quotes a section's prose; a label used in every week must not store a huge one each time.
    path = tmp_path / "ours.yaml"
    path.write_text(
        "successbot-schedule: 1\nevents:\n  - {title: Freeze, kind: freeze, date: 2026-03-01, description: "
        + "words " * 20_000
        + "}\n"
    )
    result = load_location(str(path))
    (event,) = result.events
    assert len(event.description) == bounds.MAX_DESCRIPTION and event.description.endswith(bounds.CLIP_MARK)
    assert any("description of 119,999 characters clipped to 2000" in note for note in result.notes), result.notes


def test_the_import_error_quoting_what_it_found_stays_one_short_line(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text("successbot-schedule: 1\nevents:\n  - " + "x" * 50_000 + "\n")
    with pytest.raises(ScheduleImportError) as raised:
        load_location(str(path))
    assert len(str(raised.value)) < 400 and "\n" not in str(raised.value)


def test_a_calendar_rule_that_never_occurs_gives_its_first_occurrence_at_once(tmp_path):
    path = tmp_path / "never.ics"
    path.write_text(never_occurring_rrule(), newline="")
    started = time.monotonic()
    result = load_location(str(path))
    assert time.monotonic() - started < 2  # dateutil searched 5 to 18 s for the 31st of February
    assert len(result.events) == 1 and "only its first occurrence is imported" in result.notes[0]


def folded(text: str) -> str:
    """``text`` with every content line longer than 75 characters folded, as RFC 5545 has calendar programs do."""
    lines = []
    for line in text.split("\r\n"):
        parts = [line[:75], *(line[start : start + 74] for start in range(75, len(line), 74))]
        lines.append("\r\n ".join(parts))
    return "\r\n".join(lines)


def rule_of(length: int) -> str:
    """A rule of ``length`` characters (even, at least 30) that icalendar writes back the same."""
    return "FREQ=DAILY;COUNT=3;BYSECOND=11" + ",1" * ((length - 30) // 2)


@pytest.mark.parametrize("length", [ics.MAX_RULE_LENGTH, ics.MAX_RULE_LENGTH + 2])
@pytest.mark.parametrize("fold", [False, True], ids=["one line", "folded"])
def test_a_rule_measured_before_icalendar_reads_it_is_judged_as_after(tmp_path, monkeypatch, length, fold):
    """The early check (an 850 kB rule cost icalendar 4 s) refuses exactly what the check after parsing does."""
    text = calendar(rule_of(length))
    assert rule_of(length) in text and len(rule_of(length)) == length
    path = tmp_path / "rule.ics"
    path.write_text(folded(text) if fold else text, newline="")

    def outcome() -> str:
        try:
            return f"{len(load_location(str(path)).events)} events"
        except ScheduleImportError as error:
            return str(error)

    early = outcome()
    monkeypatch.setattr(ics, "_refuse_long_rules", lambda _source, _text: None)
    assert early == outcome()
    if length <= ics.MAX_RULE_LENGTH:
        assert early == "1 events"
    else:
        assert f"refused: its RRULE is {length} characters long" in early


def test_a_folded_huge_rule_is_refused_before_icalendar_reads_it(tmp_path, monkeypatch):
    path = tmp_path / "rrule.ics"
    path.write_text(folded(huge_rrule()), newline="")

    def never(*_args: object) -> None:
        raise AssertionError("icalendar was asked to read it")

    monkeypatch.setattr("icalendar.Calendar.from_ical", never)
    with pytest.raises(ScheduleImportError, match=r"VEVENT 1 \(Team meeting\): refused: its RRULE is 850,"):
        load_location(str(path))


def test_a_weekly_meeting_is_expanded_to_its_bounded_occurrences(tmp_path):
    path = tmp_path / "weekly.ics"
    path.write_text(calendar("FREQ=WEEKLY"), newline="")
    result = load_location(str(path))
    assert len(result.events) == ics.MAX_OCCURRENCES
    assert [event.start.day for event in result.events[:3]] == [4, 11, 18]
    assert result.events[1].entry == "VEVENT 1 (Team meeting) #2"
    assert "repeats beyond 100 occurrences or two years" in result.notes[0]
    path.write_text(calendar("FREQ=WEEKLY;COUNT=3"), newline="")
    assert len(load_location(str(path)).events) == 3


def test_a_calendar_of_more_events_than_the_bound_is_refused_before_any_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds, "MAX_EVENTS", 5)
    monkeypatch.setattr(ics, "MAX_EVENTS", 5)
    path = tmp_path / "many.ics"
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{n}\r\nDTSTART:20270104T150000Z\r\nSUMMARY:m{n}\r\nEND:VEVENT\r\n" for n in range(6)
    )
    path.write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n", newline="")
    with pytest.raises(ScheduleImportError, match="refused: more than 5 events"):
        load_location(str(path))
    path.write_text(calendar("FREQ=DAILY"), newline="")  # one event, its occurrences over the bound
    with pytest.raises(ScheduleImportError, match="refused: more than 5 events"):
        load_location(str(path))


class EndlessSource:
    """An http URL that never stops sending, with or without saying how long it is."""

    def __init__(self, declared: int | None) -> None:
        self.sent = 0
        endless = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                if declared is not None:
                    self.send_header("Content-Length", str(declared))
                self.end_headers()
                try:
                    while endless.sent < 50_000_000:
                        self.wfile.write(b"# padding\n" * 10_000)
                        endless.sent += 100_000
                except OSError:
                    pass  # the reader hung up: what a bounded reader does

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/schedule.yaml"
        # Polled often: shutdown() waits for the next poll (half a second by default).
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=[None, 40_000_000], ids=["no length", "declared length"])
def endless(request) -> Iterator[EndlessSource]:
    source = EndlessSource(request.param)
    yield source
    source.close()


def test_a_url_source_is_not_read_past_the_limit(endless):
    with pytest.raises(ScheduleImportError) as raised:
        read_location(endless.url, max_bytes=1_000_000)
    assert str(raised.value) == (f"{endless.url}: refused: larger than 1 MB ([schedule] max_source_bytes); not parsed")
    assert endless.sent < 10_000_000  # stopped after the first megabyte, not at 50 MB


def test_the_size_limit_comes_from_the_config(tmp_path):
    from successbot.config import load_config

    path = tmp_path / "bot.ini"
    path.write_text("[schedule]\nmax_source_bytes = 512kB\n")
    assert load_config(str(path)).schedule.max_source_bytes == 512_000
    path.write_text("[schedule]\nmax_source_bytes = lots\n")
    with pytest.raises(Exception, match="expected a size such as 5MB"):
        load_config(str(path))


def test_schedule_import_of_each_hostile_file_is_one_line_and_exit_status_1(tmp_path, hostile):
    for name, location in hostile.items():
        result = run(tmp_path, "schedule", "import", location)
        line = assert_one_clean_error_line(result)
        assert line.startswith(f"successbot schedule import: error: {location}"), line
        assert EXPECTED_REASONS[name] in line, line


def test_schedule_import_goes_on_after_a_hostile_file(tmp_path):
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(billion_laughs())
    result = run(tmp_path, "schedule", "import", str(laughs), INDRI)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and str(laughs) in result.stderr
    assert f"{INDRI}: 42 events (openstack-releases)" in result.stdout

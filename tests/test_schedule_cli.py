"""successbot schedule import|list|export and ask with schedule sources, run in process (cli_runner)."""

from __future__ import annotations

import icalendar

from cli_runner import assert_one_clean_error_line
from cli_runner import run_cli as run
from harness import OPENSTACK_DATA

INDRI = str(OPENSTACK_DATA / "releases" / "indri" / "schedule.yaml")
ELECTION = str(OPENSTACK_DATA / "election" / "configuration-2027.1.yaml")


def test_import_then_list_and_ask_at_a_time(tmp_path):
    result = run(tmp_path, "schedule", "import", INDRI, ELECTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{INDRI}: 42 events (openstack-releases)"
    assert "  ignored or adjusted: cycle[0] h-final ignored: it belongs to the previous series" in result.stdout
    listed = run(tmp_path, "schedule", "list", "--at", "2026-11-14T12:00Z", "--days", "20").stdout.splitlines()
    assert [line.split("  ")[:3] for line in listed] == [
        ["Thu 19 Nov 2026", "milestone", "Indri-1 milestone"],
        ["Thu 3 Dec 2026", "deadline", "2026.2 Hibiscus Cycle-Trailing Release Deadline"],
    ]
    asked = run(tmp_path, "ask", "--at", "2026-11-14T12:00Z", "!deadline")
    assert asked.stdout.startswith("Indri (2027.1), week R-19. Next deadlines (UTC): Indri-1 milestone, Thu 19 Nov")


def test_a_bad_file_is_one_line_and_nothing_of_it_is_imported(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("timeline:\n  - name: TC\n    start: 2026-08-05T23:45\n    end: tomorrow\n", encoding="utf-8")
    result = run(tmp_path, "schedule", "import", str(bad))
    line = assert_one_clean_error_line(result)
    assert line == (
        f"successbot schedule import: error: {bad}:2: timeline[0] (TC) end: "
        "expected a UTC time YYYY-MM-DDTHH:MM, found 'tomorrow'"
    )
    assert run(tmp_path, "schedule", "list", "--all").stdout == "no events\n"


def test_export_ics_opens_in_a_calendar_library(tmp_path):
    run(tmp_path, "schedule", "import", INDRI, ELECTION)
    result = run(tmp_path, "schedule", "export", "--format", "ics")
    assert result.returncode == 0, result.stderr
    calendar = icalendar.Calendar.from_ical(result.stdout)
    summaries = [str(component["SUMMARY"]) for component in calendar.walk("VEVENT")]
    assert "Indri-1 milestone" in summaries and "PTL Nominations" in summaries
    assert len(summaries) == 17 + 5  # Indri's events without its cycle weeks, and the election's phases


def test_export_yaml_imports_back(tmp_path):
    run(tmp_path, "schedule", "import", ELECTION)
    out = tmp_path / "ours.yaml"
    assert run(tmp_path, "schedule", "export", "--format", "yaml", "-o", str(out)).returncode == 0
    again = run(tmp_path, "schedule", "import", str(out))
    assert again.stdout.splitlines() == [f"{out}: 5 events (successbot)"]


def test_configured_sources_are_read_when_the_bot_starts(tmp_path):
    config = tmp_path / "bot.ini"
    config.write_text(f"[schedule]\nsources = {ELECTION}, {tmp_path / 'missing.yaml'}\n", encoding="utf-8")
    result = run(tmp_path, "--config", str(config), "ask", "--at", "2026-08-19T23:45Z", "!election")
    assert result.stdout.startswith("Open now (UTC): TC Campaigning, closes Wed 26 Aug 2026 23:45 UTC")
    assert f"{tmp_path / 'missing.yaml'}: cannot read it: no such file; keeping its last 0 events" in result.stderr


def test_bad_refresh_in_config_is_a_config_error(tmp_path):
    config = tmp_path / "bot.ini"
    config.write_text("[schedule]\nrefresh = often\n", encoding="utf-8")
    result = run(tmp_path, "check-config", str(config))
    expected = "expected a duration such as 30s, 5m, 6h or 2d, found 'often'"
    assert result.stdout == f"{config}:2: [schedule] refresh: {expected}\n"

"""successbot announcements (the dry run) and announcements in the console, run in process (cli_runner)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cli_runner import run_cli as run
from harness import OPENSTACK_DATA
from successbot.schedules.wording import moment

NEWTON_ELECTION = str(OPENSTACK_DATA / "election" / "events-newton-2016-03.yaml")
MITAKA = str(OPENSTACK_DATA / "releases" / "mitaka" / "schedule.rst")


def test_dry_run_lists_election_and_release_posts_in_time_order(tmp_path):
    (tmp_path / "bot.ini").write_text(
        f"[schedule]\nsources = {NEWTON_ELECTION}, {MITAKA}\n[irc]\nchannels = #openstack-dev\n", encoding="utf-8"
    )
    assert run(tmp_path, "--config", "bot.ini", "schedule", "import", NEWTON_ELECTION, MITAKA).returncode == 0
    result = run(tmp_path, "--config", "bot.ini", "announcements", "--from", "2016-03-10T00:00", "--days", "30")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Fri 11 Mar 2016 00:00 UTC  #openstack-dev  election  PTL nomination is open until Thu 17 Mar 2016 23:59 UTC."
    )
    assert (
        "Mon 14 Mar 2016 09:00 UTC  #openstack-dev  release  Week R-3 of Mitaka: RC1 target week (Mon 14 Mar); "
        "Hard StringFreeze (Thu 17 Mar). Final release in 3 weeks (Thu 7 Apr 2016)."
    ) in lines
    assert (
        "Fri 18 Mar 2016 15:00 UTC  #openstack-dev  summary  weekly summary of 2016-W11, if the week has successes"
    ) in lines
    assert (
        "Thu 7 Apr 2016 19:59 UTC  #openstack-dev  election  TC elections close in 4 hours, Thu 7 Apr 2016 23:59 UTC."
        in lines
    )
    due = [datetime.strptime(line.split(" UTC  ")[0], "%a %d %b %Y %H:%M") for line in lines]
    assert due == sorted(due)  # time order
    assert len([line for line in lines if "  election  " in line]) == 12


def test_dry_run_with_nothing_ahead_says_so(tmp_path):
    result = run(tmp_path, "announcements", "--from", "2016-03-12T00:00", "--days", "1")
    assert result.stdout == "nothing to announce from Sat 12 Mar 2016 00:00 UTC for 1 day\n"


def test_dry_run_channel_filter_and_bad_arguments(tmp_path):
    window = ("--from", "2016-03-10T00:00", "--days", "14")
    mine = run(tmp_path, "announcements", *window, "--channel", "#successbot").stdout.splitlines()
    assert [line[:45] for line in mine] == [
        "Fri 11 Mar 2016 15:00 UTC  #successbot  summa",
        "Fri 18 Mar 2016 15:00 UTC  #successbot  summa",
    ]
    assert run(tmp_path, "announcements", *window, "--channel", "#nowhere").stdout == ""
    assert "expected an ISO 8601 time" in run(tmp_path, "announcements", "--from", "soon").stderr
    assert "--days: expected a number of days of at least 1" in run(tmp_path, "announcements", "--days", "0").stderr


def test_console_shows_what_is_due(tmp_path):
    # A phase that opened a minute ago, in our own YAML format: the console announces it at start.
    opened = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    closes = opened + timedelta(days=3)
    (tmp_path / "election.yaml").write_text(
        "successbot-schedule: 1\nevents:\n"
        f"  - title: Maintainer nominations\n    kind: election phase\n"
        f"    start: {opened:%Y-%m-%dT%H:%M}\n    end: {closes:%Y-%m-%dT%H:%M}\n",
        encoding="utf-8",
    )
    (tmp_path / "bot.ini").write_text("[schedule]\nsources = election.yaml\n[bot]\nconsole_channel = #dev\n")
    result = run(tmp_path, "--config", "bot.ini", "console", "--nick", "alice", stdin="!help\n")
    first = result.stdout.splitlines()[0]
    assert first == f"<successbot> Maintainer nominations are open until {moment(closes)}."
    again = run(tmp_path, "--config", "bot.ini", "console", "--nick", "alice", stdin="")
    assert "Maintainer nominations" not in again.stdout  # once, not at every start


def test_the_dry_run_and_schedule_list_read_the_configured_sources_first(tmp_path):
    (tmp_path / "bot.ini").write_text(
        f"[schedule]\nsources = {NEWTON_ELECTION}\n[irc]\nchannels = #openstack-dev\n", encoding="utf-8"
    )  # never imported by hand: what the bot would read at start
    planned = run(tmp_path, "--config", "bot.ini", "announcements", "--at", "2016-03-10T00:00", "--days", "2")
    assert planned.stdout.splitlines()[0].endswith("PTL nomination is open until Thu 17 Mar 2016 23:59 UTC.")
    listed = run(tmp_path, "--config", "bot.ini", "schedule", "list", "--at", "2016-03-10T00:00", "--days", "9")
    assert "PTL nomination" in listed.stdout


def test_without_sources_the_listings_say_they_show_what_is_stored(tmp_path):
    assert run(tmp_path, "schedule", "import", NEWTON_ELECTION).returncode == 0
    listed = run(tmp_path, "schedule", "list", "--at", "2016-03-10T00:00", "--days", "9")
    assert "PTL nomination" in listed.stdout
    assert "no [schedule] sources configured: showing the 4 events stored, last imported" in listed.stderr


def test_a_console_on_an_irc_deployments_config_claims_no_announcement_unless_asked(tmp_path):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    source = tmp_path / "election.yaml"
    source.write_text(
        "successbot-schedule: 1\nevents:\n  - title: Maintainer nominations\n    kind: election phase\n"
        f"    start: {now - timedelta(minutes=5):%Y-%m-%dT%H:%M}\n    end: {now + timedelta(days=2):%Y-%m-%dT%H:%M}\n",
        encoding="utf-8",
    )
    (tmp_path / "bot.ini").write_text(
        f"[schedule]\nsources = {source}\n[irc]\nserver = irc.example.org\nchannels = #dev\n", encoding="utf-8"
    )
    quiet = run(tmp_path, "--config", "bot.ini", "console", "--nick", "alice", stdin="")
    assert "Maintainer nominations" not in quiet.stdout and "announcements are off" in quiet.stdout
    asked = run(tmp_path, "--config", "bot.ini", "console", "--announce", "--nick", "alice", stdin="")
    assert "Maintainer nominations are open" in asked.stdout

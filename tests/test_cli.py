"""The successbot command line in a scratch directory, run in process (``cli_runner.run_cli``).

A few tests run real processes, for what only a process shows: the console
script, ``python -m successbot``'s exit status of a usage error, and a console
reading a real pipe and logging on the real stderr.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli_runner import assert_one_clean_error_line, run_process
from cli_runner import run_cli as run
from pgserver import BACKENDS
from successbot import __version__
from successbot.storage.models import SCHEMA_REVISION


def test_console_records_and_lists_on_the_embedded_defaults(tmp_path):
    result = run(
        tmp_path, "console", "--nick", "alice", "--channel", "#dev", stdin="#success fixed the gate\n!successes\n"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]  # after the line about the example schedule
    assert lines[0] == "<successbot> alice: Added success #1"
    assert lines[1].startswith("<successbot> #1 ") and lines[1].endswith(" UTC alice: fixed the gate")
    assert (tmp_path / "successbot.db").exists()  # the embedded default: SQLite in the working directory
    weeks = set()
    for _ in range(2):  # the week is read before and after, in case the run straddled Sunday midnight
        year, week, _day = datetime.now(UTC).isocalendar()
        weeks.add(f"{year}-W{week:02d}")
    outputs = {run(tmp_path, "export", "--week", week, "--format", "text").stdout for week in weeks}
    assert "  • alice: fixed the gate\n" in outputs


def test_console_nick_join_and_private_message_commands(tmp_path):
    script = "/nick bob\n/join #ops\n#success from bob\n/msg !successes #ops\n/quit\n#success never said\n"
    result = run(tmp_path, "console", "--nick", "alice", "--channel", "#dev", stdin=script)
    assert result.returncode == 0
    assert "<successbot> bob: Added success #1" in result.stdout
    assert "<successbot> (to bob) #1 " in result.stdout
    assert "never said" not in run(tmp_path, "export", "--from", "2000-01-01", "--to", "2100-01-01").stdout


def test_ask_with_at_records_that_time_and_export_finds_it_in_that_week(tmp_path):
    result = run(
        tmp_path,
        "ask",
        "--nick",
        "alice",
        "--channel",
        "#dev",
        "--account",
        "alice",
        "--at",
        "2016-03-16T12:30:00Z",
        "#success",
        "shipped",
        "Mitaka",
        "RC1",
    )
    assert (result.returncode, result.stdout) == (0, "alice: Added success #1\n")
    exported = run(tmp_path, "export", "--week", "2016-W11", "--format", "json")
    (entry,) = json.loads(exported.stdout)
    assert entry["created_at"] == "2016-03-16T12:30:00Z"
    assert (entry["nick"], entry["channel"], entry["text"]) == ("alice", "#dev", "shipped Mitaka RC1")
    assert set(entry) == {"id", "text", "nick", "channel", "created_at"}  # no account, user@host or network
    assert run(tmp_path, "export", "--week", "2016-W12").stdout == ""
    (private,) = json.loads(run(tmp_path, "export", "--week", "2016-W11", "--format", "json", "--private").stdout)
    assert (private["account"], private["network"]) == ("alice", "console")
    assert private["userhost"] == "alice@console"


def test_export_is_oldest_first_leaves_out_deleted_and_filters_by_channel(tmp_path):
    def ask(at: str, text: str, channel: str = "#dev", nick: str = "alice") -> None:
        assert run(tmp_path, "ask", "--nick", nick, "--channel", channel, "--at", at, text).returncode == 0

    ask("2016-03-20T23:59:59Z", "#success last minute of Sunday")
    ask("2016-03-14T00:00:00Z", "#success first minute of Monday", nick="bob")
    ask("2016-03-15T10:00:00Z", "#success elsewhere", channel="#ops")
    ask("2016-03-21T00:00:00Z", "#success next week")
    ask("2016-03-15T11:00:00Z", "#success regretted")
    ask("2016-03-15T11:01:00Z", "!success delete 5")
    text = run(tmp_path, "export", "--week", "2016-W11").stdout
    assert text == "  • bob: first minute of Monday\n  • alice: elsewhere\n  • alice: last minute of Sunday\n"
    only_dev = run(tmp_path, "export", "--from", "2016-03-14", "--to", "2016-03-20", "--channel", "#dev").stdout
    assert only_dev == "  • bob: first minute of Monday\n  • alice: last minute of Sunday\n"


def test_export_to_a_file(tmp_path):
    run(tmp_path, "ask", "--at", "2016-03-14T10:00Z", "--nick", "alice", "#success to a file")
    result = run(tmp_path, "export", "--week", "2016-W11", "--format", "markdown", "-o", "digest.md")
    assert result.returncode == 0 and result.stdout == ""
    written = (tmp_path / "digest.md").read_text(encoding="utf-8")
    assert "- **alice** in \\#successbot, Mon 14 Mar 2016 10:00 UTC: to a file" in written


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["export", "--week", "2016-W54"], "2016 has no ISO week 54"),
        (["export", "--week", "last week"], "expected an ISO week such as 2016-W11"),
        (["export", "--from", "2016-03-14"], "--from needs --to"),
        (
            ["export", "--from", "2016-03-14", "--to", "2016-03-01"],
            "ends (Tue 1 Mar 2016) before it starts (Mon 14 Mar 2016)",
        ),
        (["export", "--from", "14/03/2016", "--to", "2016-03-20"], "expected a date such as 2016-03-14"),
        (["export", "--week", "2016-W11", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["ask", "--at", "yesterday", "hi"], "expected an ISO 8601 time"),
        (["ask"], "the following arguments are required: TEXT"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["console", "--log-level", "loud"], "argument --log-level: invalid choice: 'loud'"),
        (["--log-level", "verbose", "run"], "argument --log-level: invalid choice: 'verbose'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_1(tmp_path, args, expected):
    assert expected in assert_one_clean_error_line(run(tmp_path, *args))


def test_ask_prints_nothing_and_exits_0_when_the_bot_has_nothing_to_say(tmp_path):
    result = run(tmp_path, "ask", "!weather")
    assert (result.returncode, result.stdout) == (0, "")


BROKEN_CONFIGS = [
    ("[bot]\nnickname = sb\n", "[bot] nickname: unknown key"),
    ("[database]\nurl = postgres ql://\n", "[database] url: expected a SQLAlchemy database URL"),
    ("[database]\nauto_upgrade = perhaps\n", "[database] auto_upgrade: expected true or false"),
    ("[bot\nnick = x\n", "expected a [section] header"),
    ("[log]\nlevel = loud\n", "[log] level: expected one of debug, info, warning, error, found 'loud'"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN_CONFIGS)
def test_broken_config_gets_one_line_naming_the_key_and_exit_1(tmp_path, text, expected):
    (tmp_path / "bot.ini").write_text(text, encoding="utf-8")
    line = assert_one_clean_error_line(run(tmp_path, "--config", "bot.ini", "ask", "!successes"))
    assert line.startswith("successbot: config error: bot.ini:")
    assert expected in line


@pytest.mark.parametrize(("text", "expected"), BROKEN_CONFIGS)
def test_check_config_lists_problems_and_exits_1(tmp_path, text, expected):
    (tmp_path / "bot.ini").write_text(text, encoding="utf-8")
    result = run(tmp_path, "check-config", "bot.ini")
    assert result.returncode == 1
    assert expected in result.stdout


def test_unreadable_config_file_from_the_environment(tmp_path):
    line = assert_one_clean_error_line(run(tmp_path, "ask", "!help", env={"SUCCESSBOT_CONFIG": "missing.ini"}))
    assert line == "successbot: config error: missing.ini: cannot read the config file: it does not exist"


def test_check_config_ok_for_the_example_file(tmp_path):
    example = Path(__file__).resolve().parents[1] / "config.example.ini"
    result = run(tmp_path, "check-config", str(example))
    assert (result.returncode, result.stdout) == (0, "OK\n")


def test_config_file_settings_are_used(tmp_path):
    (tmp_path / "bot.ini").write_text(
        "[bot]\nnick = cheerbot\ncommand_prefix = .\n[database]\nurl = sqlite:///other.db\n", encoding="utf-8"
    )
    result = run(tmp_path, "--config", "bot.ini", "console", "--nick", "alice", stdin="#success x\n.successes\n")
    assert result.stdout.splitlines()[1] == "<cheerbot> alice: Added success #1"
    assert "#1 " in result.stdout.splitlines()[2]
    assert (tmp_path / "other.db").exists() and not (tmp_path / "successbot.db").exists()


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_db_upgrade_and_current(tmp_path, empty_database_url):
    (tmp_path / "bot.ini").write_text(f"[database]\nurl = {empty_database_url}\n", encoding="utf-8")
    assert run(tmp_path, "--config", "bot.ini", "db", "current").stdout.startswith("empty")
    upgraded = run(tmp_path, "--config", "bot.ini", "db", "upgrade")
    assert upgraded.stdout == f"database at {SCHEMA_REVISION} (was empty)\n", upgraded.stderr
    assert run(tmp_path, "--config", "bot.ini", "db", "current").stdout == f"{SCHEMA_REVISION} (up to date)\n"


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_without_auto_upgrade_an_empty_database_is_refused_clearly(tmp_path, empty_database_url):
    (tmp_path / "bot.ini").write_text(
        f"[database]\nurl = {empty_database_url}\nauto_upgrade = false\n", encoding="utf-8"
    )
    line = assert_one_clean_error_line(run(tmp_path, "--config", "bot.ini", "ask", "!successes"))
    assert "run 'successbot db upgrade'" in line


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path):
    (tmp_path / "bot.ini").write_text("[database]\nurl = sqlite:///no/such/dir/x.db\n", encoding="utf-8")
    line = assert_one_clean_error_line(run(tmp_path, "--config", "bot.ini", "ask", "!successes"))
    assert "cannot open the database" in line and "unable to open database file" in line


def test_version_and_help_on_every_command(tmp_path):
    assert run(tmp_path, "--version").stdout == f"successbot {__version__}\n"
    for command in ([], ["console"], ["ask"], ["export"], ["db"], ["check-config"]):
        result = run(tmp_path, *command, "--help")
        assert result.returncode == 0 and "usage: successbot" in result.stdout, command


def test_console_script_is_installed(tmp_path):
    script = Path(sys.executable).parent / "successbot"
    assert script.exists()
    result = run_process(tmp_path, str(script), "--version")
    assert (result.returncode, result.stdout) == (0, f"successbot {__version__}\n")


def process_state() -> tuple[object, ...]:
    root = logging.getLogger()
    levels = tuple(logging.getLogger(name).level for name in ("alembic", "apscheduler"))
    return os.getcwd(), dict(os.environ), sys.stdin, sys.stdout, sys.stderr, root.level, root.handlers[:], levels


def test_an_in_process_run_leaves_the_process_as_it_found_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SUCCESSBOT_CONFIG", str(tmp_path / "missing.ini"))  # as a process run: unset unless given
    before = process_state()
    script = "#success in process\n!successes\n"
    result = run(tmp_path, "--log-level", "debug", "console", "--nick", "alice", stdin=script, env={"EXTRA": "1"})
    assert result.returncode == 0, result.stderr
    assert "<successbot> alice: Added success #1" in result.stdout
    assert "Scheduler started" in result.stderr  # logged at debug, to this run's stderr
    assert process_state() == before
    again = run(tmp_path, "export", "--from", "2000-01-01", "--to", "2100-01-01")
    assert (again.stdout, again.stderr) == ("  • alice: in process\n", "")  # nothing of the debug run's log


def test_as_a_process_a_usage_error_is_one_line_and_exit_status_1(tmp_path):
    result = run_process(tmp_path, sys.executable, "-m", "successbot", "frobnicate")
    assert "invalid choice: 'frobnicate'" in assert_one_clean_error_line(result)


def test_as_a_process_the_console_reads_a_pipe_and_logs_on_stderr(tmp_path):
    result = run_process(tmp_path, sys.executable, "-m", "successbot", "run", stdin="#success through a pipe\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].endswith(": Added success #1")
    assert " INFO successbot: no [irc] server configured: starting the console" in result.stderr


def test_export_formats_options_and_log_links_from_the_config(tmp_path):
    (tmp_path / "bot.ini").write_text(
        "[export]\nlog_url = https://logs.example.org/{channel}/{date}\n", encoding="utf-8"
    )
    for at, channel, text in (
        ("2016-03-14T10:00Z", "#ops", "#success ops"),
        ("2016-03-15T10:00Z", "#dev", "#success dev"),
    ):
        run(tmp_path, "--config", "bot.ini", "ask", "--nick", "alice", "--channel", channel, "--at", at, text)
    run(tmp_path, "--config", "bot.ini", "ask", "--nick", "alice", "--channel", "#dev", "!success delete 2")
    grouped = run(tmp_path, "--config", "bot.ini", "export", "--week", "2016-W11", "--group-by-channel")
    assert grouped.stdout == "#ops\n  • alice: ops <https://logs.example.org/%23ops/2016-03-14>\n"
    audit = run(tmp_path, "--config", "bot.ini", "export", "--week", "2016-W11", "--include-deleted", "--format", "csv")
    header, ops, dev = audit.stdout.splitlines()
    assert header == "id,created_at,channel,nick,text,log_url,deleted_at,deleted_by"
    assert ops.startswith("1,") and ops.endswith(",,")
    assert dev.startswith("2,") and dev.endswith(",alice")  # deleted, and by whom
    for format_name in ("rst", "html", "atom"):
        assert "ops" in run(tmp_path, "export", "--week", "2016-W11", "--format", format_name).stdout


def test_the_bot_publishes_as_it_goes_and_publish_rewrites_everything(tmp_path):
    (tmp_path / "bot.ini").write_text(
        "[export]\ndirectory = site\nurl = https://successes.example.org\n", encoding="utf-8"
    )
    said = run(tmp_path, "--config", "bot.ini", "ask", "--nick", "alice", "--at", "2016-03-14T10:00Z", "#success x")
    assert said.stdout == "alice: Added success #1 to https://successes.example.org/2016-W11.html\n"
    site = tmp_path / "site"
    assert {"index.html", "feed.atom", "2016-W11.html", "2016-W11.md", "2016-W11.json"} <= {
        p.name for p in site.iterdir()
    }
    for page in site.iterdir():
        page.unlink()
    result = run(tmp_path, "--config", "bot.ini", "publish")
    assert (result.returncode, result.stdout) == (0, "published 1 week, the index and the feed in site\n")
    assert "2016-W11.html" in (site / "index.html").read_text(encoding="utf-8")
    elsewhere = run(tmp_path, "--config", "bot.ini", "publish", "--directory", "elsewhere")
    assert elsewhere.returncode == 0 and (tmp_path / "elsewhere" / "feed.atom").exists()


def test_publish_without_a_directory_or_into_a_file_is_one_line(tmp_path):
    line = assert_one_clean_error_line(run(tmp_path, "publish"))
    assert "nowhere to publish: set [export] directory" in line
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    line = assert_one_clean_error_line(run(tmp_path, "publish", "--directory", "taken"))
    assert line.startswith("successbot publish: error: cannot publish to taken:")


def test_run_without_an_irc_server_is_the_console(tmp_path):
    result = run(tmp_path, "run", stdin="#success no server needed\n")
    assert result.returncode == 0
    assert result.stdout.splitlines()[1].endswith(": Added success #1")
    assert "no [irc] server configured: starting the console" in result.stderr


ELECTION_SOURCE = Path(__file__).parent / "data" / "openstack" / "election" / "configuration-2027.1.yaml"
SCHEDULER_LINES = ("Added job", "Scheduler started", "Running job", "executed successfully")


def console_log(tmp_path: Path, config: str, *options: str) -> str:
    """What the console logs on stderr with ``config`` (plus one schedule source) and ``options``."""
    (tmp_path / "bot.ini").write_text(f"[schedule]\nsources = {ELECTION_SOURCE}\n{config}", encoding="utf-8")
    result = run(tmp_path, "--config", "bot.ini", *options, "console", "--nick", "alice", stdin="!help\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<successbot> Commands:")
    return result.stderr


def test_the_console_logs_at_the_configured_level_and_log_level_overrides_it(tmp_path):
    refreshed = "successbot: INFO: schedule refreshed in "
    assert refreshed in console_log(tmp_path, "")  # [log] level's default: info
    assert console_log(tmp_path, "[log]\nlevel = warning\n") == ""
    assert refreshed in console_log(tmp_path, "[log]\nlevel = warning\n", "--log-level", "info")
    assert console_log(tmp_path, "[log]\nlevel = debug\n", "--log-level", "error") == ""


def test_the_scheduler_says_what_it_runs_only_at_debug(tmp_path):
    at_info = console_log(tmp_path, "")
    assert not [line for line in at_info.splitlines() if any(text in line for text in SCHEDULER_LINES)], at_info
    at_debug = console_log(tmp_path, "[log]\nlevel = info\n", "--log-level", "debug")
    assert 'Added job "BotScheduler.announce"' in at_debug and "Scheduler started" in at_debug


def test_run_takes_log_level_after_the_command_too(tmp_path):
    quiet = run(tmp_path, "run", "--log-level", "warning", stdin="#success quiet\n")
    assert quiet.returncode == 0 and quiet.stdout.endswith(": Added success #1\n")
    assert quiet.stderr == ""
    chatty = run(tmp_path, "run", stdin="#success chatty\n")
    assert " INFO successbot: no [irc] server configured: starting the console" in chatty.stderr  # timed lines


def test_one_shot_commands_stay_quiet_at_the_default_info_level(tmp_path):
    (tmp_path / "bot.ini").write_text(f"[schedule]\nsources = {ELECTION_SOURCE}\n", encoding="utf-8")
    result = run(tmp_path, "--config", "bot.ini", "ask", "!election")
    assert result.returncode == 0 and result.stderr == ""  # the refresh's INFO line is the bot's, not ask's
    told = run(tmp_path, "--config", "bot.ini", "ask", "--log-level", "info", "!election")
    assert "schedule refreshed in " in told.stderr


def test_the_console_on_the_embedded_defaults_answers_from_the_example_schedule(tmp_path):
    result = run(tmp_path, "console", "--nick", "alice", stdin="!deadline\n!election\n")
    assert result.returncode == 0, result.stderr
    note, deadline, election = result.stdout.splitlines()
    assert note.startswith("-- no schedule configured: answering from an example schedule")
    assert "[schedule] sources = " in note and "--config FILE" in note  # how to point it at real data
    assert deadline.startswith("<successbot> Next deadlines (UTC): Docs sprint, ")
    assert election.startswith("<successbot> Open now (UTC): Maintainer nominations, closes ")
    assert "no schedule data" not in result.stdout


def test_ask_answers_from_the_example_at_any_date_and_says_so_on_stderr(tmp_path):
    result = run(tmp_path, "ask", "--at", "2040-06-01T12:00Z", "!election")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Open now (UTC): Maintainer nominations, closes ")
    assert "2040" in result.stdout
    assert result.stderr.startswith("-- no schedule configured: answering from an example schedule")


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--week", "2016-W11"),
        ("publish", "--directory", "pages"),
        ("announcements", "--days", "1"),
    ],
    ids=lambda args: args[0],
)
def test_without_a_config_a_new_or_empty_database_is_named_on_stderr(tmp_path, args):
    database = tmp_path / "successbot.db"
    first = run(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert first.stderr == (
        f"successbot {args[0]}: used the database {database}: just created, so empty; "
        "no config file given (--config FILE or $SUCCESSBOT_CONFIG)\n"
    )
    again = run(tmp_path, *args)
    assert again.stderr == (
        f"successbot {args[0]}: used the database {database}: empty (no successes, no schedule); "
        "no config file given (--config FILE or $SUCCESSBOT_CONFIG)\n"
    )
    assert run(tmp_path, "ask", "#success now there is one").returncode == 0
    assert run(tmp_path, *args).stderr == ""  # a database with successes in it: nothing to say


def test_a_configured_empty_database_is_named_without_the_config_hint(tmp_path):
    (tmp_path / "bot.ini").write_text("[database]\nurl = sqlite:///other.db\n", encoding="utf-8")
    result = run(tmp_path, "--config", "bot.ini", "export", "--week", "2016-W11")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"successbot export: used the database {tmp_path / 'other.db'}: just created, so empty\n"


def test_check_config_reports_what_a_deployment_would_trip_over(tmp_path):
    (tmp_path / "there.yaml").write_text("successbot-schedule: 1\nevents: []\n", encoding="utf-8")
    (tmp_path / "pages").mkdir()
    (tmp_path / "bot.ini").write_text(
        "[irc]\nserver = irc.example.org\nchannels = #dev, #Ops key\n"
        "[schedule]\nsources = there.yaml, gone.yaml, https://example.org/never-fetched.yaml\n"
        "[announce]\nchannels = #dev, #ops\nelection_channels = #elections, #tc\nrelease_channels = off\n"
        "[export]\ndirectory = missing/pages\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "check-config", "bot.ini")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "bot.ini:5: [schedule] sources: expected a readable file, found 'gone.yaml': no such file "
        f"(relative paths are read from the working directory, {tmp_path})",
        "bot.ini:8: [announce] election_channels: the bot never joins #elections, #tc (not in [irc] channels), "
        "so it cannot post there",
        "bot.ini:11: [export] directory: expected a directory the bot can write, found 'missing/pages': "
        "it does not exist (create it, writable by the bot's user)",
    ]


def test_check_config_reports_an_export_path_that_is_a_file(tmp_path):
    (tmp_path / "pages").write_text("not a directory", encoding="utf-8")
    (tmp_path / "bot.ini").write_text("[export]\ndirectory = pages\n", encoding="utf-8")
    result = run(tmp_path, "check-config", "bot.ini")
    assert (result.returncode, result.stdout) == (
        1,
        "bot.ini:2: [export] directory: expected a directory the bot can write, found 'pages': it is not a directory\n",
    )


def test_the_console_records_and_lists_thanks_and_export_kind_chooses_them(tmp_path):
    script = "#success fixed the gate\n#thanks bob for the review\n!thanks\n!successes\n"
    result = run(tmp_path, "console", "--nick", "alice", "--channel", "#dev", stdin=script)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]  # after the line about the example schedule
    assert lines[:2] == ["<successbot> alice: Added success #1", "<successbot> alice: Added thanks #2"]
    assert lines[2].startswith("<successbot> #2 ") and lines[2].endswith(" UTC alice: thanks bob for the review")
    assert lines[3].startswith("<successbot> #1 ") and lines[3].endswith(" UTC alice: fixed the gate")
    period = ("--from", "2000-01-01", "--to", "2100-01-01")
    assert run(tmp_path, "export", *period).stdout == "  • alice: fixed the gate\n"
    assert run(tmp_path, "export", *period, "--kind", "thanks").stdout == "  • alice: thanks bob for the review\n"
    both = run(tmp_path, "export", *period, "--kind", "all", "--format", "json")
    assert [(r["kind"], r["thanked"], r["text"]) for r in json.loads(both.stdout)] == [
        ("success", None, "fixed the gate"),
        ("thanks", "bob", "the review"),
    ]
    refused = run(tmp_path, "export", *period, "--kind", "praise")
    assert refused.returncode != 0 and "--kind: invalid choice: 'praise'" in refused.stderr

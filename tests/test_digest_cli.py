"""``successbot digest``: in process with a fixed clock (main takes one), and as a subprocess for its exit status."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli_runner import Result, run_cli, run_process
from harness import EXAMPLE_SOURCES
from successbot.core.clock import FixedClock
from test_digest import MARCH_5_TO_11


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "bot.ini"
    path.write_text(
        f"[database]\nurl = sqlite:///{tmp_path / 'bot.db'}\n"
        f"[schedule]\nsources = {', '.join(EXAMPLE_SOURCES)}\n"
        "[export]\nurl = https://successes.example.org/\n[digest]\nmax_days = 14\n",
        encoding="utf-8",
    )
    return path


def say(config: Path, at: str, text: str, nick: str = "alice", channel: str = "#dev") -> None:
    asked = run_cli(
        config.parent, "--config", str(config), "ask", "--at", at, "--nick", nick, "--channel", channel, text
    )
    assert asked.returncode == 0, asked.stderr


def digest(config: Path, *args: str, now: str = "2016-03-16T09:00") -> Result:
    clock = FixedClock(datetime.fromisoformat(now).replace(tzinfo=UTC))
    return run_cli(config.parent, "--config", str(config), "digest", *args, clock=clock)


def test_the_digest_of_march_5_to_11_2016(config):
    say(config, "2016-03-07T10:00", "#success fixed the gate")
    say(config, "2016-03-10T16:30", "#success Mitaka RC1 for nova is out", nick="bob", channel="#nova")
    result = digest(config, "--from", "2016-03-05", "--to", "2016-03-11")
    assert result.returncode == 0
    assert result.stdout == MARCH_5_TO_11


def test_the_default_is_the_last_full_iso_week_and_channel_limits_the_successes(config):
    say(config, "2016-03-08T10:00", "#success in dev")
    say(config, "2016-03-08T11:00", "#success in ops", channel="#ops")
    say(config, "2016-03-15T11:00", "#success this week, not yet in a digest")
    result = digest(config, "--channel", "#ops")
    assert result.returncode == 0  # on Wed 16 Mar 2016: the week of 7-13 Mar
    out = result.stdout
    assert out.startswith("Digest 2016-W10 (Mon 7 Mar to Sun 13 Mar 2016)\n")
    assert "  • alice: in ops\n" in out and "in dev" not in out and "this week" not in out
    assert "Release Countdown For Week R-3, March 14-18" in out


def test_markdown_and_html_formats(config, tmp_path):
    say(config, "2016-03-08T10:00", "#success <b>bold</b> claim")
    markdown = digest(config, "--week", "2016-W10", "--format", "markdown")
    assert markdown.returncode == 0
    assert "- **alice**: \\<b\\>bold\\</b\\> claim" in markdown.stdout
    target = tmp_path / "digest.html"
    assert digest(config, "--week", "2016-W10", "--format", "html", "-o", str(target)).returncode == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "&lt;b&gt;bold&lt;/b&gt; claim" in page and "<b>" not in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2016-03-11", "--to", "2016-03-05"], "the period ends (Sat 5 Mar 2016) before it starts"),
        (["--week", "2016-W54"], "2016 has no ISO week 54"),
        (["--week", "last week"], "expected an ISO week such as 2016-W11"),
        (["--from", "2016-03-01", "--to", "2016-03-31"], "is 31 days long; a digest covers at most 14"),
        (["--format", "pdf"], "--format: expected one of text, markdown, html, found 'pdf'"),
        (["--from", "2016-03-01"], "--from and --to go together"),
        (["--week", "2016-W10", "--from", "2016-03-01", "--to", "2016-03-02"], "either --week or --from and --to"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(config, args, message):
    result = digest(config, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("successbot digest: error: ") and message in line
    assert not (config.parent / "bot.db").exists()  # refused before the database is opened


def test_as_a_subprocess_a_bad_week_is_one_line_and_status_2(config):
    result = run_process(
        config.parent, sys.executable, "-m", "successbot", "--config", str(config), "digest", "--week", "2016-W99"
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "successbot digest: error: 2016 has no ISO week 99\n"

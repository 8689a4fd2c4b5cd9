"""The log of ``successbot run`` on a real network: quiet while idle at INFO, thorough at DEBUG, never a secret."""

from __future__ import annotations

import base64
import itertools
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.irc

SASL_BOT = {"auth": "sasl", "account": "sbot", "password_env": "SB_PASSWORD"}
BOT_ENV = {"SB_PASSWORD": "botpass"}
CHECK_EVERY = 0.5  # [announce] check_every, in seconds
SCHEDULER_LINES = ("Running job", "executed successfully", "Added job", "Scheduler started")
_channels = itertools.count(1)


def fresh_channel() -> str:
    return f"#logs{next(_channels)}"


def calendar(*phases: tuple[str, datetime, datetime]) -> str:
    """Election phases as iCalendar, whose times have seconds (a phase may open a few seconds from now)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//successbot tests//EN"]
    for number, (title, start, end) in enumerate(phases):
        lines += [
            "BEGIN:VEVENT", f"UID:phase-{number}@example.org", "DTSTAMP:20260101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}", f"DTEND:{end:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{title}", "CATEGORIES:election phase", "END:VEVENT",
        ]  # fmt: skip
    return "\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n"


def test_an_idle_bot_logs_nothing_at_info_over_two_announcement_checks(irc_network, accounts, start_bot, tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    # Then a phase opens: proof that the checks went on meanwhile. The bot starts and posts the first phase
    # in 2-4 s (10 s on a machine busy with other tests), which leaves checks enough before it (two are asserted).
    quiet_until = now + timedelta(seconds=16)
    schedule = tmp_path / "elections.ics"
    schedule.write_text(
        calendar(
            ("PTL nominations", now - timedelta(minutes=2), now + timedelta(days=10)),
            ("TC campaigning", quiet_until, quiet_until + timedelta(days=10)),
        ),
        encoding="utf-8",
        newline="",
    )
    channel = fresh_channel()
    sections = {
        "schedule": {"sources": str(schedule)},
        "announce": {"check_every": f"{CHECK_EVERY:g}s", "weekly_summary": "off"},
    }
    bot = start_bot(irc_network, env=BOT_ENV, channels=channel, sections=sections, **SASL_BOT)
    bot.wait_for_log(r"schedule refreshed in [\d.]+s: 1 of 1 sources read, 2 events\n")
    bot.wait_for_log(rf"announced in {channel}: PTL nominations opens\n")
    quiet_from, quiet_started = len(bot.log()), time.monotonic()
    assert datetime.now(UTC) < quiet_until - timedelta(seconds=2 * CHECK_EVERY), "the bot took too long to start"
    opened = bot.wait_for_log(rf"[^\n]*announced in {channel}: TC campaigning opens\n", timeout=40, after=quiet_from)
    quiet_seconds = time.monotonic() - quiet_started
    assert quiet_seconds >= 2 * CHECK_EVERY
    assert bot.log()[quiet_from : opened.start()] == ""  # every check in those seconds found nothing and said nothing
    log = bot.log()
    assert not [line for line in log.splitlines() if any(text in line for text in SCHEDULER_LINES)], log
    assert len(re.findall("schedule refreshed", log)) == 1 and len(re.findall("announced in", log)) == 2
    assert bot.signal_and_wait() == 0


@pytest.mark.parametrize("auth", ["sasl", "nickserv"])
def test_at_debug_the_log_shows_the_wire_and_the_scheduler_but_no_password(irc_network, accounts, start_bot, auth):
    channel = fresh_channel()
    login = {**SASL_BOT, "auth": auth}
    sections = {"announce": {"check_every": f"{CHECK_EVERY:g}s"}, "log": {"level": "warning"}}
    # [log] level says warning; --log-level debug on the command line wins.
    bot = start_bot(
        irc_network, env=BOT_ENV, channels=channel, sections=sections, options=("--log-level", "debug"), **login
    )
    joined = len(bot.log())
    for _ in range(2):  # two announcement checks, each said
        joined = bot.wait_for_log(r'Running job "BotScheduler.announce', timeout=15, after=joined).end()
    log = bot.log()
    assert "executed successfully" in log and "Scheduler started" in log
    assert re.search(r"DEBUG [\w.]+: TO SERVER: JOIN " + re.escape(channel), log)
    plain = base64.b64encode(b"sbot\0sbot\0botpass").decode()
    assert "botpass" not in log and plain not in log
    hidden = "AUTHENTICATE <hidden>" if auth == "sasl" else "PRIVMSG NickServ :IDENTIFY sbot <hidden>"
    assert hidden in log
    assert bot.signal_and_wait() == 0

"""Announcements through the real network: counted as sent when written, never lost to a restart or an outage."""

from __future__ import annotations

import collections
import itertools
import re
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.irc

_runs = itertools.count(1)
PHASES = ("PTL nominations", "TC nominations", "TC campaigning")
CHECK_EVERY = 0.5  # [announce] check_every, in seconds: "nothing more comes" is watched over a number of checks
PACE = {"flood_burst": "4", "flood_rate": "8"}  # the pace is not what these tests are about


def three_phases_opened_a_minute_ago(directory: Path) -> Path:
    """Three election phases that opened a minute ago: each is due at once, well within the grace period.

    They close on different days, so each is a post of its own (phases that open and close together are one).
    """
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    opened = now - timedelta(minutes=1)
    events = "".join(
        f"  - title: {title}\n    kind: election phase\n"
        f"    start: {opened:%Y-%m-%dT%H:%M}\n    end: {now + timedelta(days=3 + number):%Y-%m-%dT%H:%M}\n"
        for number, title in enumerate(PHASES)
    )
    path = directory / "election.yaml"
    path.write_text(f"successbot-schedule: 1\nevents:\n{events}", encoding="utf-8")
    return path


def nine_announcements(tmp_path: Path, **announce: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    run = next(_runs)
    channels = [f"#deliver{run}{letter}" for letter in "abc"]
    sections = {
        "schedule": {"sources": str(three_phases_opened_a_minute_ago(tmp_path)), "refresh": "1d"},
        "announce": {"check_every": f"{CHECK_EVERY:g}s", "weekly_summary": "off", "election_offsets": "", **announce},
    }
    return channels, sections


def announcement_lines(messages, *nicks: str) -> list[tuple[str, str]]:
    return [(m.params[0], m.text) for m in messages if m.command == "PRIVMSG" and m.nick in nicks]


def watch(network, channels: list[str], name: str):
    watcher = network.connect(name)
    for channel in channels:
        watcher.join(channel)
    return watcher


def expected(channels: list[str]) -> set[tuple[str, str]]:
    return {(channel, phase) for channel in channels for phase in PHASES}


def as_seen(lines: list[tuple[str, str]]) -> collections.Counter:
    return collections.Counter((target, text.split(" is open")[0].split(" are open")[0]) for target, text in lines)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_restart_while_nine_announcements_go_out_loses_none(irc_network, start_bot, tmp_path, how):
    channels, sections = nine_announcements(tmp_path, stale_claim="3s")
    nick = f"sbotd{how.value}"
    watcher = watch(irc_network, channels, f"watch{how.value}")
    # A SIGKILL may cut apart the write and the record of the line going out, and only of that one while the
    # lines go out at the default flood limits (a record is committed long before the next line): they take
    # several seconds, so the signal lands in the middle. A SIGTERM hands back what is unsent, so nothing is
    # posted twice at any pace: 8 lines a second, and the signal still lands in the middle.
    pace = PACE if how == signal.SIGTERM else {}
    bot = start_bot(
        irc_network, wait=False, nick=nick, channels=", ".join(channels), auth="none", sections=sections, **pace
    )  # fmt: skip
    first = [watcher.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == nick, timeout=30)]
    if how == signal.SIGTERM:
        assert bot.signal_and_wait(signal.SIGTERM) == 0
    else:
        bot.kill()
    # The bot has exited: what it wrote is at the server, a loopback hop from the watcher.
    seen = announcement_lines(first + watcher.collect(0.5), nick)
    assert 0 < len(seen) < 9, "the signal must land while the announcements are going out"
    restarted = start_bot(
        irc_network, wait=False, nick=nick, channels=", ".join(channels), auth="none", sections=sections,
        database_url=bot.database_url, **pace,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while set(as_seen(seen)) != expected(channels) and time.monotonic() < deadline:
        seen += announcement_lines(watcher.collect(0.2), nick)
    seen += announcement_lines(watcher.collect(4 * CHECK_EVERY), nick)  # and nothing more comes in four checks
    counts = as_seen(seen)
    assert set(counts) == expected(channels)  # none lost
    repeats = sum(count - 1 for count in counts.values())
    if how == signal.SIGTERM:
        assert repeats == 0, counts
    else:
        assert repeats <= 1, counts  # the one line whose write and record the kill may have cut apart
    restarted.kill()


def test_an_announcement_queued_when_the_connection_drops_is_posted_once_after_it(start_bot, tmp_path):
    from ircnet import start_inspircd

    network = start_inspircd("relaxed", restartable=True, services=False)  # the bot logs in to nothing
    try:
        channels, sections = nine_announcements(tmp_path)
        bot = start_bot(
            network, nick="sbotdrop", channels=", ".join(channels), auth="none", sections=sections,
            flood_burst="1", flood_rate="4", reconnect_max="1s",
        )  # fmt: skip
        bot.wait_for_log("announced in")
        before = len(bot.log())
        network.halt()  # most of the nine are still in the queue
        bot.wait_for_log(r"cannot connect: .*; reconnecting in", after=before)  # the bot found the server gone
        network.start_again()
        bot.wait_joined(*channels, after=before)
        deadline = time.monotonic() + 60
        while len(re.findall(r"announced in", bot.log())) < 9 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3 * CHECK_EVERY)  # three more checks, and as many lines' worth of the pace: nothing more
        announced = re.findall(r"announced in (\S+): (.+) opens", bot.log())
        assert sorted(collections.Counter(announced).values()) == [1] * 9, announced
        after = bot.log()[before:]
        for channel in channels:  # what was still queued went out only once the bot was back in the channel
            posted_after = [m.start() for m in re.finditer(rf"announced in {re.escape(channel)}:", after)]
            if posted_after:
                assert re.search(rf"joined {re.escape(channel)}\b", after[: posted_after[0]]), after
        assert "cannot send to" not in bot.log()
    finally:
        network.stop()


@pytest.mark.postgresql
def test_two_instances_on_one_postgresql_post_each_announcement_once_in_total(
    irc_network, postgres_server, start_bot, tmp_path
):
    url = postgres_server.create_database()
    channels, sections = nine_announcements(tmp_path)
    watcher = watch(irc_network, channels, "watchpg")
    settings = dict(
        channels=", ".join(channels), auth="none", sections=sections, database_url=url, network="TestNet", **PACE
    )
    bots = [start_bot(irc_network, wait=False, nick=f"sbotpg{number}", **settings) for number in (1, 2)]
    seen: list[tuple[str, str]] = []
    deadline = time.monotonic() + 40
    while len(seen) < 9 and time.monotonic() < deadline:
        seen += announcement_lines(watcher.collect(0.2), "sbotpg1", "sbotpg2")
    seen += announcement_lines(watcher.collect(4 * CHECK_EVERY), "sbotpg1", "sbotpg2")  # four more checks of each
    counts = as_seen(seen)
    assert set(counts) == expected(channels) and set(counts.values()) == {1}, counts
    for bot in bots:
        bot.kill()

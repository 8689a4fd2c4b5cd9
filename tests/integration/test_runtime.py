"""The runtime through the real network: the connection's thread only does I/O, so slow work delays nobody else."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slowsource import SlowSource
from test_irc_bot import acknowledged

pytestmark = pytest.mark.irc

SCHEDULE = Path(__file__).resolve().parents[1] / "data" / "openstack" / "releases" / "indri" / "schedule.yaml"
_channels = itertools.count(1)


def fresh_channel() -> str:
    return f"#runtime{next(_channels)}"


def from_bot(nick: str):
    return lambda m: m.command == "PRIVMSG" and m.nick == nick


@pytest.fixture
def slow_source() -> Iterator[SlowSource]:
    source = SlowSource(SCHEDULE.read_bytes())
    yield source
    source.close()


def test_a_slow_schedule_reload_delays_no_one_else(irc_network, accounts, start_bot, slow_source):
    admin_channel, other_channel = fresh_channel(), fresh_channel()
    slow_source.release.set()  # the start-up refresh goes through at once
    bot = start_bot(
        irc_network,
        nick="sbotslow",
        channels=f"{admin_channel}, {other_channel}",
        admins="alice",
        sections={"schedule": {"sources": slow_source.url, "refresh": "1d"}},
        wait=False,
    )
    alice, bob = irc_network.connect_many({"nick": "alice", "sasl": ("alice", "alicepw")}, {"nick": "bob"})
    bot.wait_joined()
    alice.join(admin_channel)
    bob.join(other_channel)
    slow_source.release.clear()
    slow_source.asked.clear()
    alice.say(admin_channel, "!schedule reload")
    assert slow_source.asked.wait(10), "the reload never asked the source"
    answered = []
    for _ in range(3):
        started = time.monotonic()
        bob.say(other_channel, "!help")
        bob.wait_for(from_bot("sbotslow"), timeout=10, what="!help answered during the reload")
        answered.append(time.monotonic() - started)
        alice.say(admin_channel, "#success said while my reload waits")  # queued behind alice's own reload
    assert max(answered) < 2.0, answered  # usually a few ms; the reload has 60 s to go
    slow_source.release.set()
    reload = alice.wait_for(from_bot("sbotslow"), timeout=15).text
    assert reload.startswith("alice: Reloaded 1 source, ")  # alice's own replies keep her order
    ids: list[int] = []
    while len(ids) < 3:  # the three acknowledgements, merged into fewer lines when they wait together
        nicks, numbers = acknowledged(alice.wait_for(from_bot("sbotslow"), timeout=15).text)
        assert nicks == ["alice"]
        ids += numbers
    assert ids == [1, 2, 3]


def test_a_20_mb_schedule_refreshing_refuses_no_success_said_meanwhile(irc_network, start_bot, tmp_path):
    from big_schedule import write_large_calendar

    source = tmp_path / "community.ics"
    assert 19_000_000 < write_large_calendar(source, 63_000) < 22_000_000
    channel = fresh_channel()
    bot = start_bot(
        irc_network,
        nick="sbotbig",
        channels=channel,
        auth="none",
        sections={"schedule": {"sources": str(source), "max_source_bytes": "25MB"}},  # the default is 5MB
        flood_burst="100",
        flood_rate="50",
        wait=False,
    )
    alice = irc_network.connect("bigalice")  # while the bot starts
    bot.wait_joined()
    alice.join(channel)
    latencies, replies = [], []
    deadline = time.monotonic() + 240  # parsing 20 MB takes a minute or more on a busy 2-core machine
    number = 0
    while "schedule refreshed" not in bot.log() and time.monotonic() < deadline:
        number += 1
        started = time.monotonic()
        alice.say(channel, f"#success said during the refresh {number}")
        replies.append(alice.wait_for(from_bot("sbotbig"), timeout=15, what="an acknowledgement").text)
        latencies.append(time.monotonic() - started)
        time.sleep(0.3)
    assert "schedule refreshed" in bot.log(), "the 20 MB source was not read within 240 s"
    assert number >= 5, "the refresh was over before the test could say anything"
    refused = [reply for reply in replies if "Not recorded" in reply]
    assert refused == []
    assert [acknowledged(reply) for reply in replies] == [(["bigalice"], [n]) for n in range(1, number + 1)]
    assert max(latencies) < 3.0, latencies  # usually milliseconds; the parser's pauses are far below busy_timeout

"""A running ``successbot run`` whose first schedule sources are hostile still answers !deadline, through InspIRCd.

Before the bounds, a 100,000-deep YAML first in ``[schedule] sources``
failed every refresh with RecursionError and no source was loaded.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from hostile_sources import good_schedule, write_hostile_sources

pytestmark = pytest.mark.irc

_channels = itertools.count(1)


def from_bot(nick: str):
    return lambda m: m.command == "PRIVMSG" and m.nick == nick


def test_the_bot_answers_deadline_after_a_reload_with_hostile_sources_first(irc_network, accounts, start_bot, tmp_path):
    channel = f"#hostile{next(_channels)}"
    hostile = write_hostile_sources(tmp_path)
    good = tmp_path / "good.yaml"
    good.write_text(good_schedule(datetime.now(UTC)))
    sources = ", ".join([*(str(path) for path in hostile.values()), str(good)])
    bot = start_bot(
        irc_network,
        nick="sbothostile",
        channels=channel,
        admins="alice",
        sections={"schedule": {"sources": sources, "refresh": "1d"}},
        wait=False,
    )
    alice = irc_network.connect("alice", sasl=("alice", "alicepw"))  # while the bot starts
    bot.wait_joined()
    refreshed = bot.wait_for_log(r"schedule refreshed in [\d.]+s: 1 of 5 sources read, 2 events; 4 failed")
    alice.join(channel)
    alice.say(channel, "!deadline")
    first = alice.wait_for(from_bot("sbothostile"), timeout=15, what="!deadline after start").text
    assert "Next deadlines (UTC): Feature freeze, " in first and "(in 10 days)" in first, first
    alice.say(channel, "!schedule reload")
    reload = alice.wait_for(from_bot("sbothostile"), timeout=30, what="the reload's answer").text
    assert reload.startswith(f"alice: Reloaded 1 of {len(hostile) + 1} sources, 2 events held. "), reload
    assert all(name in reload for name in hostile), reload
    alice.say(channel, "!deadline")
    again = alice.wait_for(from_bot("sbothostile"), timeout=15, what="!deadline after the reload").text
    assert again == first
    bot.wait_for_log(r"schedule refreshed in [\d.]+s: 1 of 5 sources read", after=refreshed.end())
    log = bot.log()
    assert "Traceback" not in log and "RecursionError" not in log
    for path in hostile.values():  # one warning per source per refresh: at start and at the reload
        assert log.count(f"schedule source {path}") == 2, log
    assert bot.process.poll() is None

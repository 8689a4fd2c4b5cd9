"""The integration fixtures start real servers that behave as the bot needs."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from ircnet import Network

from successbot.adapters.irc.outbound import OutboundQueue, Sender

pytestmark = pytest.mark.irc

TAG_CAPS = ["account-tag", "server-time", "message-tags", "extended-join"]


def unique(network: Network, prefix: str) -> str:
    return network.irc_client.unique_nick(prefix)


def privmsg_from(nick: str) -> Callable[[Any], bool]:
    """A predicate on the shared client's Message."""
    return lambda m: m.command == "PRIVMSG" and m.nick == nick


def test_sasl_login_tags_privmsg_with_account_and_time(irc_network: Network) -> None:
    account, password = unique(irc_network, "acct"), "fixture-pw"
    irc_network.register(account, password)
    observer, speaker, stranger = irc_network.connect_many(
        {"nick": unique(irc_network, "obs"), "caps": TAG_CAPS},
        {"nick": unique(irc_network, "spk"), "sasl": (account, password)},
        {"nick": unique(irc_network, "anon")},
    )
    assert (speaker.sasl_numeric, speaker.account) == ("903", account)
    channel = "#" + unique(irc_network, "fixture")
    for client in (observer, speaker, stranger):
        client.join(channel)

    speaker.say(channel, "we shipped it")
    stranger.say(channel, "me too")
    said = observer.wait_for(privmsg_from(speaker.nick), timeout=5)
    anon = observer.wait_for(privmsg_from(stranger.nick), timeout=5)

    assert said.text == "we shipped it"
    assert said.tags["account"] == account
    assert datetime.fromisoformat(said.tags["time"]).tzinfo is not None
    assert "account" not in anon.tags
    assert "time" in anon.tags


def test_ngircd_accepts_clients_that_talk(ngircd_network: Network) -> None:
    alice, bob = ngircd_network.connect_many(
        {"nick": unique(ngircd_network, "alice")}, {"nick": unique(ngircd_network, "bob")}
    )
    channel = "#" + unique(ngircd_network, "plain")
    alice.join(channel)
    bob.join(channel)
    alice.say(channel, "hello")
    assert bob.wait_for(privmsg_from(alice.nick), timeout=5).text == "hello"


def test_fakelag_network_holds_back_an_unpaced_burst(fakelag_network: Network) -> None:
    assert fakelag_network.env["IRC_FLOOD"] == "fakelag"
    observer, flooder = fakelag_network.connect_many(
        {"nick": unique(fakelag_network, "obs")}, {"nick": unique(fakelag_network, "fld")}
    )
    channel = "#" + unique(fakelag_network, "lag")
    observer.join(channel)
    flooder.join(channel)

    flooder.send_burst(f"PRIVMSG {channel} :flood {i}" for i in range(20))
    arrived = [m for m in observer.collect(1.5) if m.command == "PRIVMSG"]

    assert 0 < len(arrived) < 20
    assert flooder.closed_reason is None


def test_default_sender_pace_is_not_lagged_by_fakelag(fakelag_network: Network) -> None:
    observer, bot = fakelag_network.connect_many(
        {"nick": unique(fakelag_network, "obs")}, {"nick": unique(fakelag_network, "bot")}
    )
    channel = "#" + unique(fakelag_network, "paced")
    observer.join(channel)
    bot.join(channel)
    queue = OutboundQueue()
    sent_at: dict[str, float] = {}

    def send_raw(line: str) -> None:
        sent_at[line.rsplit(" ", 1)[-1]] = time.monotonic()
        bot.send(line)

    sender = Sender(queue, send_raw)
    queue.put_many(f"PRIVMSG {channel} :paced {i}" for i in range(10))
    arrived: list[Any] = []
    deadline = time.monotonic() + 30
    while len(arrived) < 10 and time.monotonic() < deadline:
        sender.pump()
        arrived += [m for m in observer.collect(0.05) if m.command == "PRIVMSG"]

    assert [m.text for m in arrived] == [f"paced {i}" for i in range(10)]
    lags = [m.received - sent_at[m.text.rsplit(" ", 1)[-1]] for m in arrived]
    assert max(lags) < 0.5, f"server held lines back: {lags}"
    assert bot.closed_reason is None

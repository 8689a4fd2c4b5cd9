"""The bot's login across a network restart in which services link late, on real InspIRCd + Anope.

The order is the one that left the old bot logged out for good: services stop,
the IRC server restarts, the bot reconnects to a server without SASL or
NickServ, and services link only afterwards. The bot process is never restarted.
"""

from __future__ import annotations

import time

import pytest
from ircnet import Network
from test_irc_bot import BOT_ENV, SASL_BOT, bot_reply, fresh_channel

pytestmark = pytest.mark.irc

LOGIN_SECONDS = 30.0
# [irc] login_wait: how long the bot waits for services before it joins anyway. Longer than the watcher
# takes to reach a restarted server and make a channel for logged-in users (about 1.2 s).
LOGIN_WAIT = 5


def whois_account(client, nick: str) -> str | None:
    """The services account WHOIS shows for ``nick`` (RPL_WHOISACCOUNT, 330), or None."""
    client.send(f"WHOIS {nick}")
    account = None
    while True:
        reply = client.wait_for(lambda m: m.command in ("330", "318"), what=f"WHOIS {nick}")
        if reply.command == "318":
            return account
        account = reply.params[2]


def wait_for_account(client, nick: str, timeout: float = LOGIN_SECONDS) -> None:
    start = time.monotonic()
    while whois_account(client, nick) is None:
        assert time.monotonic() - start < timeout, f"{nick} not logged in {timeout}s after services linked"
        time.sleep(0.25)


def restart_without_services(network: Network) -> None:
    network.stop_services()
    network.restart_ircd()


@pytest.fixture(scope="module")
def network(restartable_network: Network) -> Network:
    """The module's restartable network, with the bot's account: each test leaves its services linked again."""
    restartable_network.register("sbot", "botpass")
    return restartable_network


def test_joined_without_login_then_logs_in_by_sasl_when_services_link(network, start_bot):
    # A nick that is not the account's: Anope does not greet it, so only CAP NEW sasl can bring the login.
    channel, registered_only = fresh_channel(), fresh_channel()
    bot = start_bot(
        network, env=BOT_ENV, channels=f"{channel}, {registered_only}", nick="sbotx", login_wait=f"{LOGIN_WAIT}s",
        **SASL_BOT,
    )  # fmt: skip
    assert "authenticated by SASL as sbot" in bot.log()
    before = len(bot.log())
    # The restarted server ops a channel's creator (the template's defaultmodes is "nt"), so that
    # the watcher can make a channel for logged-in users only while services, and ChanServ, are away.
    config = network.dir / "inspircd.conf"
    config.write_text(config.read_text().replace('defaultmodes="nt"', 'defaultmodes="nto"'))
    restart_without_services(network)
    watcher = network.connect("watcher")
    watcher.join(registered_only)
    watcher.send(f"MODE {registered_only} +R")  # only logged-in users may join (InspIRCd's services_account)
    watcher.wait_for(lambda m: m.command == "MODE" and m.params[1:] == ["+R"], what="MODE +R")
    bot.wait_for_log(
        rf"not logged in as sbot after {LOGIN_WAIT}s; joining the channels anyway", after=before, timeout=45
    )
    bot.wait_joined(channel, after=before)
    bot.wait_for_log(rf"cannot join {registered_only}: only for registered nicks", after=before)
    assert whois_account(watcher, "sbotx") is None  # in the channel, and not logged in
    linking, started = len(bot.log()), time.monotonic()
    network.start_services()  # returns once NickServ answers a probe
    wait_for_account(watcher, "sbotx")
    seconds = time.monotonic() - started
    assert whois_account(watcher, "sbotx") == "sbot"
    log = bot.log()[linking:]
    assert "the server offers SASL now" in log
    assert "authenticated by SASL as sbot" in log
    assert "connecting to" not in log  # logged in on the same connection
    assert bot.process.poll() is None
    bot.wait_joined(registered_only, after=linking)  # refused before the login, let in after it
    watcher.join(channel)
    watcher.say(channel, "#success the login survived the network")
    assert bot_reply(watcher, nick="sbotx") == "watcher: Added success #1"
    print(f"logged in {seconds:.1f}s after Anope was started")


def test_require_login_keeps_out_of_channels_until_nickserv_is_back(network, start_bot):
    channel = fresh_channel()
    settings = {"auth": "nickserv", "account": "sbot", "password_env": "SB_PASSWORD", "require_login": "true"}
    settings["login_wait"] = f"{LOGIN_WAIT}s"
    bot = start_bot(network, env=BOT_ENV, channels=channel, **settings)
    watcher = network.connect("watcher2")
    watcher.join(channel)
    before = len(bot.log())
    restart_without_services(network)
    watcher = network.connect("watcher2")  # the restart dropped everybody
    watcher.join(channel)
    bot.wait_for_log(r"joining no channel until the login succeeds \(require_login\)", after=before, timeout=45)
    assert "joined" not in bot.log()[before:]
    assert not [m for m in watcher.collect(1.0) if m.command == "JOIN" and m.nick == "sbot"]
    linking = len(bot.log())
    network.start_services()
    wait_for_account(watcher, "sbot")
    watcher.wait_for(lambda m: m.command == "JOIN" and m.nick == "sbot", timeout=10, what="the bot's JOIN")
    log = bot.log()[linking:]
    assert "identified to NickServ" in log  # Anope's notice comes before its 900
    assert "connecting to" not in log
    assert log.index("identified to NickServ") < log.index(f"joined {channel}")
    assert "botpass" not in bot.log()

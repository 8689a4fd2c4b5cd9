"""Nasty real-world lines and spoofing attempts, through the real InspIRCd with Anope."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from test_irc_bot import BOT_ENV, SASL_BOT, acknowledged, bot_reply, fresh_channel

pytestmark = pytest.mark.irc

EVERYTHING = (datetime(2000, 1, 1).astimezone(), datetime(2100, 1, 1).astimezone())
UNPACED = {"flood_burst": "30", "flood_rate": "20"}  # what the bot says matters here, not its pace
CONTROL = set(chr(code) for code in range(32)) - {"\t"}


def nasty_lines(channel: str) -> list[bytes]:
    """Each is one PRIVMSG body's worth of trouble; the client's whole line stays within 512 bytes."""
    head = f"PRIVMSG {channel} :".encode()
    bodies = [
        b"\x01VERSION\x01",
        b"\x01DCC SEND evil.exe 2130706433 6667 1024\x01",
        b"\x01ACTION #success pretends to record\x01",
        b"\x01PING 12345\x01",
        b"\x01",
        b"",
        b" ",
        b"\x02\x03\x1d\x1f\x0f\x16",
        b"#success \x02\x0304,01\x0f",
        "#success \u202eright-to-left override\u202c and \u200bzero\u200bwidth".encode(),
        "#success \u200b".encode(),
        b"#success '); DROP TABLE successes; --",
        b"#success %s %d {0} \\x00 $(rm -rf /) `id`",
        b"#success \xff\xfe\xc3\x28 invalid utf-8",
        b"!successes 3 #\x02evil",
        b"!success delete ' OR 1=1 --",
        b"!success delete 99999999999999999999999999",
        b"!help " + b"x" * 400,
        b"#success " + "é".encode() * 200,
    ]
    room = 510 - len(head)
    bodies.append(b"#success " + b"y" * (room - len(b"#success ")))  # exactly 510 bytes on the wire
    return [head + body for body in bodies]


def test_a_corpus_of_nasty_lines_is_survived_and_stored_text_stays_clean(irc_network, accounts, start_bot):
    channel = fresh_channel()
    bot = start_bot(irc_network, env=BOT_ENV, channels=channel, wait=False, **SASL_BOT, **UNPACED)
    nasty, watcher = irc_network.connect_many({"nick": "nasty"}, {"nick": "nastywatch"})  # while the bot starts
    bot.wait_joined()
    for client in (nasty, watcher):
        client.join(channel)
    for line in nasty_lines(channel):
        nasty.sock.sendall(line + b"\r\n")
        time.sleep(0.05)
    nasty.say(channel, "#success the last, ordinary one")
    replies = []
    while True:
        reply = watcher.wait_for(lambda m: m.nick == "sbot" and m.command in ("PRIVMSG", "NOTICE"), timeout=15)
        replies.append(reply)
        named = acknowledged(reply.text) if reply.command == "PRIVMSG" else None  # alone or merged
        if named and any(bot.store().get(number).text == "the last, ordinary one" for number in named[1]):
            break
    for reply in replies:
        relayed = reply.raw.split(" ", 1)[1] if reply.raw.startswith("@") else reply.raw
        assert len(relayed.encode()) + 2 <= 512
        assert not CONTROL & set(reply.text), reply.raw
    stored = bot.store().between(*EVERYTHING)
    assert stored[-1].text == "the last, ordinary one"
    for success in stored:
        assert not CONTROL & set(success.text), success.text
    texts = {success.text for success in stored}
    assert "'); DROP TABLE successes; --" in texts
    assert "\u202eright-to-left override\u202c and \u200bzero\u200bwidth" in texts
    assert "pretends to record" not in " ".join(texts)  # /me never triggers
    assert bot.process.poll() is None and "Traceback" not in bot.log()


def test_spoofed_admins_get_nothing(irc_network, accounts, start_bot):
    channel = fresh_channel()
    bot = start_bot(irc_network, env=BOT_ENV, channels=channel, admins="alice", wait=False, **SASL_BOT, **UNPACED)
    # A services account that is not in [permissions] admins, registered while the bot starts.
    with ThreadPoolExecutor(max_workers=1) as pool:
        registered = pool.submit(irc_network.register, "mallory", "mallorypw")
        bob = irc_network.connect("bob", sasl=("bob", "bobpw"))
        registered.result(timeout=30)
    bot.wait_joined()
    bob.join(channel)
    bob.say(channel, "#success to be deleted")
    assert bot_reply(bob) == "bob: Added success #1"
    bob.say(channel, "!success delete 1")
    assert bot_reply(bob) == "bob: Deleted success #1"

    # A nick change to the admin's nick: still bob's account, so no admin rights.
    bob.change_nick("alice")
    bob.say(channel, "!success undelete 1")
    assert bot_reply(bob).startswith("alice: Only admins can undelete")

    # The services account that is not in [permissions] admins.
    mallory = irc_network.connect("mallory", sasl=("mallory", "mallorypw"))
    mallory.join(channel)
    mallory.say(channel, "!success undelete 1")
    assert bot_reply(mallory).startswith("mallory: Only admins can undelete")

    # A private message dressed up as a channel line, or as a raw line from the admin.
    for text in (
        f"[{channel}] <alice> !success undelete 1",
        f":alice!alice@127.0.0.1 PRIVMSG {channel} :!success undelete 1",
        f"{channel} !success undelete 1",
    ):
        mallory.say("sbot", text)
    mallory.say("sbot", "!success undelete 1")
    assert bot_reply(mallory).startswith("Only admins can undelete")
    mallory.say("sbot", f"#success {channel} from a private message")
    assert "in a channel" in bot_reply(mallory)
    assert bot.store().get(1).is_deleted
    assert len(bot.store().between(*EVERYTHING, include_deleted=True)) == 1

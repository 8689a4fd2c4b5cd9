"""Faults: the bot killed mid-burst, its database locked by another writer or out of disk space.

What must hold: an acknowledgement in the channel means the success is in the
database, nothing is stored twice, and a failed write is said, not acknowledged.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import datetime

import pytest
from ircnet import unavailable
from test_irc_bot import acknowledged, bot_reply, fresh_channel

from successbot.commands.successes import NOT_RECORDED

pytestmark = pytest.mark.irc

WIDE_OPEN = {"auth": "none", "flood_burst": "1000", "flood_rate": "1000"}
EVERYTHING = (datetime(2000, 1, 1).astimezone(), datetime(2100, 1, 1).astimezone())


def send_paced(client, channel: str, lines: list[str], gap: float) -> None:
    for line in lines:
        client.say(channel, line)
        time.sleep(gap)


def test_sigkill_mid_burst_loses_no_acknowledged_success_and_stores_none_twice(irc_network, start_bot):
    channel = fresh_channel()
    bot = start_bot(irc_network, channels=channel, wait=False, **WIDE_OPEN)
    *senders, observer = irc_network.connect_many(
        *({"nick": f"killer{i}"} for i in range(5)), {"nick": "killwatch"}
    )  # while the bot starts
    bot.wait_joined()
    for client in (*senders, observer):
        client.join(channel)
    bursts = {client.nick: [f"#success {client.nick} line {k}" for k in range(200)] for client in senders}
    threads = [
        threading.Thread(target=send_paced, args=(client, channel, bursts[client.nick], 0.004), daemon=True)
        for client in senders
    ]
    for thread in threads:
        thread.start()

    acks: dict[int, list[str]] = {}  # id → the nicks of its line (one, unless merged)

    def collect(seconds: float) -> None:
        for message in observer.collect(seconds):
            named = acknowledged(message.text) if message.command == "PRIVMSG" and message.nick == "sbot" else None
            if named:
                acks.update(dict.fromkeys(named[1], named[0]))

    deadline = time.monotonic() + 60
    while len(acks) < 250 and time.monotonic() < deadline:
        collect(0.05)
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    collect(2.0)  # acknowledgements already on their way when the bot died

    stored = bot.store().between(*EVERYTHING)
    by_id = {success.id: success for success in stored}
    assert 250 <= len(acks) < 1000, f"{len(acks)} acknowledged: the kill was not in the middle of the burst"
    missing = [number for number in acks if number not in by_id]
    assert missing == [], f"acknowledged but not stored: {missing}"
    assert all(by_id[number].nick in nicks for number, nicks in acks.items())
    texts = [success.text for success in stored]
    assert len(texts) == len(set(texts)), "a success was stored twice"
    for nick, lines in bursts.items():  # what was stored of each client is a prefix of what it said, in order
        said = [success.text for success in stored if success.nick == nick]
        assert said == [line.removeprefix("#success ") for line in lines[: len(said)]]


def test_a_locked_database_is_said_not_acknowledged_and_the_bot_goes_on(irc_network, start_bot):
    channel = fresh_channel()
    bot = start_bot(irc_network, channels=channel, auth="none", busy_timeout="0.3s", wait=False)
    client = irc_network.connect("locked")  # while the bot starts
    bot.wait_joined()
    client.join(channel)
    # The bot joins while it still opens (and here creates) its database: lock it only once it answers.
    client.say(channel, "!successes")
    assert bot_reply(client).startswith("locked: No successes recorded")
    other_writer = sqlite3.connect(bot.db_path, isolation_level=None)
    try:
        other_writer.execute("BEGIN EXCLUSIVE")
        client.say(channel, "#success while the database is locked")
        assert bot_reply(client) == f"locked: {NOT_RECORDED}"
        client.say(channel, "!successes")  # readers are not blocked in WAL mode
        assert bot_reply(client).startswith("locked: No successes recorded")
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    client.say(channel, "#success once the lock is gone")
    assert bot_reply(client) == "locked: Added success #1"
    assert [s.text for s in bot.store().between(*EVERYTHING)] == ["once the lock is gone"]
    assert "could not record a success from locked" in bot.log()


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs: a real file system that really fills up (mounting needs root)."""
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    if os.geteuid() != 0:
        unavailable("mounting a small tmpfs for the disk-full test needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mountpoint)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield mountpoint
    subprocess.run(["umount", "-l", str(mountpoint)], check=True)


def fill(directory) -> None:
    with contextlib.suppress(OSError), open(directory / "filler", "wb", buffering=0) as filler:
        while True:
            filler.write(b"\0" * 4096)


def test_a_full_disk_is_said_not_acknowledged_and_the_bot_goes_on(irc_network, start_bot, small_disk):
    channel = fresh_channel()
    # Unpaced: what the bot says of each write matters here, not its pace.
    bot = start_bot(
        irc_network, channels=channel, database_url=f"sqlite:///{small_disk / 'bot.db'}", wait=False, **WIDE_OPEN
    )
    client = irc_network.connect("diskfull")  # while the bot starts
    bot.wait_joined()
    client.join(channel)
    client.say(channel, "#success before the disk filled up")
    assert bot_reply(client) == "diskfull: Added success #1"
    try:
        fill(small_disk)
        # Enough text that the write needs new pages whatever the WAL had spare.
        for number in range(3):
            client.say(channel, f"#success lost to a full disk {number} " + "x" * 350)
            assert bot_reply(client) == f"diskfull: {NOT_RECORDED}"
        client.say(channel, "!successes 1")
        assert bot_reply(client).endswith("diskfull: before the disk filled up")
    finally:
        (small_disk / "filler").unlink()
    client.say(channel, "#success after space was freed")
    assert bot_reply(client) == "diskfull: Added success #2"
    assert [s.text for s in bot.store().between(*EVERYTHING)] == [
        "before the disk filled up",
        "after space was freed",
    ]
    assert "database or disk is full" in bot.log()
    bot.kill()

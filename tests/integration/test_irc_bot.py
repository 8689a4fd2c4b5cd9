"""successbot run against a real InspIRCd with Anope services, and a plain ngIRCd."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from botproc import BotProcess

from successbot.schedules.wording import moment

pytestmark = pytest.mark.irc

SASL_BOT = {"auth": "sasl", "account": "sbot", "password_env": "SB_PASSWORD"}
BOT_ENV = {"SB_PASSWORD": "botpass"}
EVERYTHING = (datetime(2000, 1, 1).astimezone(), datetime(2100, 1, 1).astimezone())
SHARED_CHANNELS = 8  # one for each test that shares the module's bot
CHECK_EVERY = 0.5  # [announce] check_every, in seconds, where a test watches that nothing more is posted
_channels = itertools.count(1)


def fresh_channel() -> str:
    return f"#test{next(_channels)}"


def from_bot(nick: str = "sbot"):
    return lambda m: m.command == "PRIVMSG" and m.nick == nick


def bot_reply(client, nick: str = "sbot", timeout: float = 10.0) -> str:
    return client.wait_for(from_bot(nick), timeout=timeout, what=f"a reply from {nick}").text


ACKNOWLEDGEMENT = re.compile(r"(?P<nicks>[^:]+): Added success(?:es)? (?P<ids>#\d+(?:, #\d+)*)(?: to \S+)?")


def acknowledged(text: str) -> tuple[list[str], list[int]] | None:
    """The nicks and success ids an acknowledgement names, alone or merged (``alice, bob: Added successes #1, #2``)."""
    found = ACKNOWLEDGEMENT.fullmatch(text)
    if found is None:
        return None
    return found["nicks"].split(", "), [int(number.lstrip("#")) for number in found["ids"].split(", ")]


def added(reply: str, nick: str, kind: str = "success") -> int:
    """The id that an acknowledgement of one success (or thanks) of ``nick`` names: ``alice: Added success #12``."""
    found = re.fullmatch(rf"{re.escape(nick)}: Added {kind} #(\d+)", reply)
    assert found is not None, reply
    return int(found[1])


@pytest.fixture(scope="module")
def _module_bot(irc_network, accounts, start_module_bot) -> tuple[BotProcess, Iterator[str]]:
    channels = [fresh_channel() for _ in range(SHARED_CHANNELS)]
    # Not sbot: the tests that start a bot of their own find their nick free. Pacing is not what these tests
    # are about, and the eight JOINs and MODE queries at the default pace would keep the first replies waiting.
    bot = start_module_bot(
        irc_network, env=BOT_ENV, channels=", ".join(channels), nick="sbotshared", flood_burst="30", flood_rate="20",
        **SASL_BOT,
    )  # fmt: skip
    return bot, iter(channels)


@pytest.fixture
def shared_bot(_module_bot) -> tuple[BotProcess, str]:
    """The module's bot (``bot.nick``), logged in by SASL as sbot (admins: alice), and a channel of its that no
    other test uses.

    The tests that only talk to the bot share it: starting a bot takes 2-3 s. Its database is shared
    too, so these tests read the ids from the acknowledgements.
    """
    bot, channels = _module_bot
    channel = next(channels, None)
    assert channel is not None, "more tests share the module's bot than SHARED_CHANNELS"
    return bot, channel


def test_success_from_a_logged_in_user_is_stored_with_account_and_server_time(irc_network, shared_bot):
    bot, channel = shared_bot
    alice = irc_network.connect("alice", sasl=("alice", "alicepw"), caps=["echo-message", "server-time"])
    alice.join(channel)
    alice.say(channel, "#success landed the \x02gate\x02 fix")
    echoed = alice.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "alice", what="the echo")
    stored = bot.store().get(added(bot_reply(alice, bot.nick), "alice"))
    assert (stored.text, stored.nick, stored.account, stored.channel) == (
        "landed the gate fix",
        "alice",
        "alice",
        channel,
    )
    assert stored.userhost is not None and stored.userhost.endswith("@127.0.0.1")
    assert stored.network == "TestNet"
    server_time = datetime.fromisoformat(echoed.tags["time"].replace("Z", "+00:00"))
    assert stored.created_at == server_time  # the server's timestamp, to the millisecond


def test_a_thanks_is_acknowledged_once_stored_listed_and_deleted_only_by_its_author(irc_network, shared_bot):
    bot, channel = shared_bot
    alice, bob = irc_network.connect_many(
        {"nick": "alice", "sasl": ("alice", "alicepw")}, {"nick": "bob", "sasl": ("bob", "bobpw")}
    )
    for client in (alice, bob):
        client.join(channel)
    alice.say(channel, "#thanks bob for the review")
    number = added(bot_reply(alice, bot.nick), "alice", "thanks")
    stored = bot.store().get(number)  # acknowledged only after commit: it is there when the line arrives
    assert (stored.kind, stored.thanked, stored.text, stored.account, stored.channel) == (
        "thanks",
        "bob",
        "the review",
        "alice",
        channel,
    )

    def answer(client, start: str) -> str:  # both see every reply in the channel: pick the one asked for
        return client.wait_for(lambda m: from_bot(bot.nick)(m) and m.text.startswith(start), what=repr(start)).text

    bob.say(channel, "!thanks")
    assert answer(bob, f"#{number} ").endswith(" UTC alice: thanks bob for the review")
    bob.say(channel, "!successes")
    assert answer(bob, "bob: ") == f"bob: No successes recorded in {channel} yet. Add one with #success TEXT"
    bob.say(channel, f"!thanks delete {number}")
    assert answer(bob, "bob: ") == f"bob: Only the author of thanks #{number} or an admin can delete it."
    alice.say(channel, f"!thanks delete {number}")
    assert answer(alice, "alice: Deleted") == f"alice: Deleted thanks #{number}"
    assert bot.store().get(number).deleted_by == "alice"


def test_admin_account_may_undelete_but_a_lookalike_nick_may_not(irc_network, shared_bot):
    bot, channel = shared_bot
    # The admin's account connects now and joins only once the impostor has gone.
    bob, impostor, admin = irc_network.connect_many(
        {"nick": "bob", "sasl": ("bob", "bobpw")},
        {"nick": "alice"},
        {"nick": "alice_admin", "sasl": ("alice", "alicepw")},
    )
    bob.join(channel)
    bob.say(channel, "#success bob's work")
    number = added(bot_reply(bob, bot.nick), "bob")
    bob.say(channel, f"!success delete {number}")
    assert bot_reply(bob, bot.nick) == f"bob: Deleted success #{number}"

    # An impostor takes the admin's nick without logging in to the admin's account.
    impostor.join(channel)
    impostor.say(channel, f"!success undelete {number}")
    refusal = bot_reply(impostor, bot.nick)
    assert refusal.startswith("alice: Only admins can undelete") and "not logged in" in refusal
    assert bot.store().get(number).is_deleted
    impostor.close()

    admin.join(channel)
    admin.say(channel, f"!success undelete {number}")
    assert bot_reply(admin, bot.nick) == f"alice_admin: Restored success #{number}"
    assert not bot.store().get(number).is_deleted


def test_a_long_success_is_listed_in_one_line_within_512_bytes_cut_between_words(irc_network, shared_bot):
    bot, channel = shared_bot
    alice = irc_network.connect("alice", sasl=("alice", "alicepw"))
    alice.join(channel)
    # 359 characters, 419 bytes: the client's own line must fit in 512 bytes too.
    text = " ".join(["naïve"] * 60)
    alice.say(channel, f"#success {text}")
    added(bot_reply(alice, bot.nick), "alice")
    alice.say(channel, "!successes 1")
    listed = alice.wait_for(from_bot(bot.nick), what="the listing")
    relayed = listed.raw.split(" ", 1)[1] if listed.raw.startswith("@") else listed.raw  # tags do not count
    assert len(relayed.encode("utf-8")) + 2 <= 512
    assert listed.text.endswith("naïve…")  # one entry, one line: shortened between words
    shown = listed.text.split(": ", 1)[1].removesuffix("…")
    assert text.startswith(shown) and text[len(shown)] == " "
    assert [m for m in alice.collect(1.0) if from_bot(bot.nick)(m)] == []  # and nothing more from the bot


def test_invalid_utf8_is_replaced_not_fatal(irc_network, shared_bot):
    bot, channel = shared_bot
    raw = irc_network.connect("rawbytes")
    raw.join(channel)
    raw.sock.sendall(f"PRIVMSG {channel} :#success caf".encode() + b"\xe9 \xff\xfe bytes\r\n")
    number = added(bot_reply(raw, bot.nick), "rawbytes")
    assert bot.store().get(number).text == "caf\ufffd \ufffd\ufffd bytes"
    raw.say(channel, "#success still here")
    assert bot.store().get(added(bot_reply(raw, bot.nick), "rawbytes")).text == "still here"


def test_action_never_triggers_and_ctcp_version_is_answered(irc_network, shared_bot):
    bot, channel = shared_bot
    carol = irc_network.connect("carol")
    carol.join(channel)
    carol.say(channel, "\x01ACTION #success does a dance\x01")
    carol.say(bot.nick, "\x01VERSION\x01")
    version = carol.wait_for(lambda m: m.command == "NOTICE" and m.nick == bot.nick, what="CTCP VERSION")
    assert version.text.startswith("\x01VERSION successbot ")
    carol.say(channel, "!successes")
    assert bot_reply(carol, bot.nick).startswith("carol: No successes recorded")
    stored = bot.store().between(*EVERYTHING, include_deleted=True, kind=None)
    assert [s for s in stored if s.nick == "carol" or s.channel == channel] == []


def test_burst_of_50_is_answered_in_order_without_a_flood_disconnect(kill_network, start_bot):
    # The "kill" profile disconnects any client that sends about 20 lines at once,
    # so five clients send ten commands each in one write; the bot must pace 50 replies.
    channel = fresh_channel()
    bot = start_bot(kill_network, channels=channel, auth="none", wait=False)
    clients = kill_network.connect_many(*({"nick": f"burst{i}"} for i in range(5)))  # while the bot starts
    bot.wait_joined()
    for client in clients:
        client.join(channel)
    observer = clients[0]
    for number, client in enumerate(clients):
        client.send_burst(f"PRIVMSG {channel} :#success burst {number}-{k}" for k in range(10))
    ids: list[int] = []  # acknowledgements that waited together come merged, several ids to a line
    deadline = time.monotonic() + 120
    while len(ids) < 50 and time.monotonic() < deadline:
        text = observer.wait_for(from_bot(), timeout=max(0.1, deadline - time.monotonic())).text
        named = acknowledged(text)
        assert named is not None, text
        ids += named[1]
    assert sorted(ids) == list(range(1, 51))  # each acknowledged exactly once
    stored = bot.store().between(datetime(2000, 1, 1).astimezone(), datetime(2100, 1, 1).astimezone())
    by_client = {f"burst{i}": [s.id for s in stored if s.nick == f"burst{i}"] for i in range(5)}
    assert all(len(numbers) == 10 for numbers in by_client.values())
    for numbers in by_client.values():  # each client's acknowledged in the order it spoke
        assert sorted(numbers, key=ids.index) == numbers
    for number in range(5):  # each client's successes are stored in the order it said them
        texts = [s.text for s in stored if s.text.startswith(f"burst {number}-")]
        assert texts == [f"burst {number}-{k}" for k in range(10)]
    log = bot.log()
    assert "disconnected" not in log and "Excess Flood" not in log
    assert bot.process.poll() is None


def test_failed_sasl_login_exits_2_with_one_clear_line(irc_network, accounts, start_bot):
    bot = start_bot(irc_network, env={"SB_PASSWORD": "wrong-password"}, wait=False, **SASL_BOT)
    assert bot.wait_exit() == 2
    log = bot.log()
    assert "SASL login as sbot failed" in log
    assert log.count("SASL login as sbot failed") == 1
    assert "wrong-password" not in log
    assert "Traceback" not in log


def test_sigterm_sends_quit_and_exits_0(irc_network, accounts, start_bot):
    channel = fresh_channel()
    bot = start_bot(irc_network, env=BOT_ENV, channels=channel, wait=False, **SASL_BOT)
    observer = irc_network.connect("watcher")  # while the bot starts
    bot.wait_joined()
    observer.join(channel)
    assert bot.signal_and_wait(signal.SIGTERM) == 0
    quit_message = observer.wait_for(lambda m: m.command == "QUIT" and m.nick == "sbot", what="the bot's QUIT")
    assert "successbot signing off" in quit_message.text
    assert "botpass" not in bot.log()


def test_reconnects_after_a_server_outage_and_records_the_next_success(restartable_network, start_bot):
    network = restartable_network
    network.register("sbot", "botpass")  # kept by Anope across the restart
    channel = fresh_channel()
    bot = start_bot(network, env=BOT_ENV, channels=channel, **SASL_BOT)
    before = len(bot.log())
    network.halt()
    time.sleep(5)  # the outage: five seconds of failed attempts grow the bot's backoff
    network.start_again()
    back = time.monotonic()
    bot.wait_joined(channel, after=before)
    rejoined_after = time.monotonic() - back
    assert rejoined_after < 5, f"back in {channel} {rejoined_after:.1f}s after the server returned"
    client = network.connect("after")
    client.join(channel)
    client.say(channel, "#success survived the outage")
    assert bot_reply(client) == "after: Added success #1"
    assert "authenticated by SASL as sbot" in bot.log()[before:]


def test_takes_an_alternative_nick_and_regains_the_primary(irc_network, accounts, start_bot):
    channel = fresh_channel()
    squatter, watcher = irc_network.connect_many({"nick": "sbotnick"}, {"nick": "nickwatch"})
    squatter.join(channel)
    bot = start_bot(irc_network, channels=channel, auth="none", nick="sbotnick", alt_nicks="sbotalt")
    assert "nick sbotnick is unavailable; using sbotalt" in bot.log()
    squatter.say(channel, "!successes")
    assert bot_reply(squatter, nick="sbotalt").startswith("sbotnick: No successes")
    watcher.join(channel)
    squatter.close()
    watcher.wait_for(lambda m: m.command == "NICK" and m.nick == "sbotalt" and m.text == "sbotnick", what="regain")
    bot.wait_for_log("regained the nick sbotnick")


def test_rejoins_after_a_kick_and_gives_up_on_a_ban(ngircd_network, start_bot):
    # On ngIRCd whoever creates a channel is its operator (the test InspIRCd gives nobody ops).
    channel, banned = fresh_channel(), fresh_channel()
    op = ngircd_network.connect("chanop")
    op.join(channel)
    op.join(banned)
    op.send(f"MODE {banned} +b kicked!*@*")
    op.wait_for(lambda m: m.command == "MODE", what="the ban")
    bot = start_bot(
        ngircd_network, channels=f"{channel}, {banned}", auth="none", nick="kicked", rejoin_delay="0.5s", wait=False
    )
    bot.wait_joined(channel)
    bot.wait_for_log(rf"cannot join {banned}: banned")
    op.send(f"KICK {channel} kicked :testing")
    op.wait_for(lambda m: m.command == "JOIN" and m.nick == "kicked", timeout=10, what="the rejoin")
    time.sleep(1.0)  # two more rejoin delays
    assert bot.log().count(f"cannot join {banned}") == 1  # never tried again


def test_plain_ngircd_without_ircv3_or_services(ngircd_network, start_bot):
    channel = fresh_channel()
    # Pacing is not what this test is about: each reply waits for a WHOIS, both paced at the default rate.
    bot = start_bot(ngircd_network, channels=channel, auth="none", admins="root", flood_burst="30", flood_rate="20")
    client = ngircd_network.connect("plain")
    client.join(channel)
    client.say(channel, "#success works on a plain server")
    assert bot_reply(client) == "plain: Added success #1"
    stored = bot.store().get(1)
    assert stored.account is None and stored.nick == "plain"
    # No account tags here: the bot asks WHOIS, finds no account, and goes by nick and user@host.
    client.say(channel, "!success undelete 1")
    assert bot_reply(client).startswith("plain: Only admins can undelete")
    client.say(channel, "!success delete 1")
    assert bot_reply(client) == "plain: Deleted success #1"
    assert bot.store().get(1).is_deleted


def test_nothing_listens_on_the_port_then_the_bot_keeps_trying(start_bot, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]

    class Nowhere:
        port = free_port

    bot = start_bot(Nowhere, wait=False, auth="none")
    bot.wait_for_log(r"cannot connect: .*; reconnecting in \d")
    bot.wait_for_log(r"reconnecting in .*\n.*connecting to.*\n.*reconnecting in", timeout=10)
    assert bot.signal_and_wait(signal.SIGTERM) == 0


def test_an_unanswered_keepalive_ping_means_reconnect(restartable_network, start_bot):
    # SIGSTOP freezes the server: the socket stays open but nothing answers,
    # which only the bot's own PING can notice.
    network = restartable_network
    channel = fresh_channel()
    bot = start_bot(network, channels=channel, auth="none", ping_interval="1s", ping_timeout="1s")
    before = len(bot.log())
    server_pid = int(network.env["INSPIRCD_PID"])
    os.kill(server_pid, signal.SIGSTOP)
    try:
        bot.wait_for_log(r"no answer from the server in 1s; reconnecting", timeout=15, after=before)
    finally:
        os.kill(server_pid, signal.SIGCONT)
    bot.wait_joined(channel, after=before)
    client = network.connect("thawed")
    client.join(channel)
    client.say(channel, "#success the server woke up")
    assert bot_reply(client) == "thawed: Added success #1"


def test_private_messages_are_answered_privately(irc_network, shared_bot):
    bot, channel = shared_bot
    dave = irc_network.connect("dave")
    dave.join(channel)
    dave.say(channel, "#success public")
    added(bot_reply(dave, bot.nick), "dave")
    dave.say(bot.nick, f"!successes {channel}")
    reply = dave.wait_for(from_bot(bot.nick), what="the private reply")
    assert reply.params[0] == "dave"
    assert reply.text.endswith("dave: public")
    dave.say(bot.nick, "#success in private")
    assert "in a channel" in bot_reply(dave, bot.nick)


def test_tls_connection_and_certificate_verification(start_bot):
    from ircnet import start_ngircd

    network = start_ngircd(tls=True)
    try:

        class OverTls:
            port = int(network.env["TLS_PORT"])

        channel = fresh_channel()
        trusting = start_bot(
            OverTls, channels=channel, auth="none", tls="true", tls_verify="false", nick="tlsbot", wait=False
        )
        # The certificate is self-signed: with verification on, the bot refuses it and says why.
        careful = start_bot(OverTls, channels=channel, auth="none", tls="true", nick="carefulbot", wait=False)
        trusting.wait_joined()
        assert "with TLS" in trusting.log()
        client = network.connect("tlsuser")
        client.join(channel)
        client.say(channel, "#success encrypted")
        assert bot_reply(client, nick="tlsbot") == "tlsuser: Added success #1"

        careful.wait_for_log(r"cannot connect: .*CERTIFICATE_VERIFY_FAILED.*; reconnecting in")
        assert "joined" not in careful.log()
    finally:
        network.stop()


def test_a_due_reminder_arrives_in_the_channel_once(irc_network, accounts, start_bot, tmp_path):
    opened = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=2)
    closes = opened + timedelta(days=2)
    schedule = tmp_path / "election.yaml"
    schedule.write_text(
        "successbot-schedule: 1\nevents:\n"
        f"  - title: PTL nominations\n    kind: election phase\n"
        f"    start: {opened:%Y-%m-%dT%H:%M}\n    end: {closes:%Y-%m-%dT%H:%M}\n",
        encoding="utf-8",
    )
    channel = fresh_channel()
    watcher = irc_network.connect("remindme")
    watcher.join(channel)
    sections = {"schedule": {"sources": str(schedule)}, "announce": {"check_every": f"{CHECK_EVERY:g}s"}}
    bot = start_bot(irc_network, env=BOT_ENV, channels=channel, sections=sections, **SASL_BOT)
    reminder = watcher.wait_for(from_bot(), timeout=15, what="the reminder")
    assert reminder.params[0] == channel
    assert reminder.text == f"PTL nominations are open until {moment(closes)}."
    later = [m for m in watcher.collect(3 * CHECK_EVERY) if m.command == "PRIVMSG"]
    assert later == []  # checked three more times, posted once
    assert bot.signal_and_wait() == 0


def test_an_announcement_due_during_an_outage_is_posted_once_after_it(restartable_network, start_bot, tmp_path):
    from sqlalchemy import select

    from successbot.storage.database import make_engine
    from successbot.storage.models import AnnouncementRow

    network = restartable_network
    now = datetime.now(UTC)
    opened = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    closes = now.replace(second=0, microsecond=0) + timedelta(minutes=3)
    due_in = 10  # seconds from now: while the server is down (the bot starts and posts the opening in 2-4 s)
    offset = int((closes - now).total_seconds()) - due_in
    due_at = time.monotonic() + (closes - timedelta(seconds=offset) - now).total_seconds()
    schedule = tmp_path / "election.yaml"
    schedule.write_text(
        "successbot-schedule: 1\nevents:\n"
        f"  - title: TC nominations\n    kind: election phase\n"
        f"    start: {opened:%Y-%m-%dT%H:%M}\n    end: {closes:%Y-%m-%dT%H:%M}\n",
        encoding="utf-8",
    )
    sections = {
        "schedule": {"sources": str(schedule)},
        "announce": {"check_every": f"{CHECK_EVERY:g}s", "election_offsets": f"{offset}s", "weekly_summary": "off"},
    }
    channel = fresh_channel()
    bot = start_bot(network, channels=channel, auth="none", sections=sections)
    bot.wait_for_log("announced in .*: TC nominations opens")
    before = len(bot.log())
    network.halt()
    assert time.monotonic() < due_at - CHECK_EVERY, (
        "the bot started so late that the reminder was due before the outage"
    )
    time.sleep(due_at - time.monotonic() + 4 * CHECK_EVERY)  # until it is due, and four checks more while down
    network.start_again()
    bot.wait_joined(channel, after=before)
    # Nobody can watch the channel across the outage, so the bot's log and database tell.
    bot.wait_for_log(r"announced in .*: TC nominations closes in", timeout=15, after=before)
    time.sleep(3 * CHECK_EVERY)  # a few more checks
    assert len(re.findall(r"announced in .*: TC nominations closes in", bot.log())) == 1
    assert "announcement skipped" not in bot.log()
    engine = make_engine(bot.database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(AnnouncementRow.subject, AnnouncementRow.status)).all()
    engine.dispose()
    assert sorted(status for _subject, status in rows) == ["sent", "sent"]

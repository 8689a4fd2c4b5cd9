"""The first second of ``successbot run``, without a server: registering before the rest is loaded, the
connection taking that over, and the core, the channels' privacy and the jobs catching up behind it.

``EarlyRegistration`` is fed raw server lines and writes to a fake socket;
the ``IrcBot`` that takes over sits on a socket pair, as in the other IrcBot
tests. No sleeps: what waits on another thread is released by the test.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from harness import EXAMPLE_TIME, make_core
from successbot.adapters.core_when_ready import CoreWhenReady
from successbot.adapters.irc.connection import IrcBot
from successbot.adapters.irc.early_registration import EarlyRegistration, parse_line, wire
from successbot.adapters.irc.login import EXIT_AUTH_FAILED, Phase
from successbot.config import ChannelSetting, IrcSettings, Secret, load_config
from successbot.core.clock import FixedClock
from successbot.core.messages import Message
from successbot.runtime.channel_privacy import PrivacyRecorder
from successbot.storage.channel_privacy import SqlChannelPrivacyStore


class FakeSocket:
    """What early registration writes, line by line; it reads nothing itself in these tests."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def sendall(self, data: bytes) -> None:
        self.sent += data.decode().split("\r\n")[:-1]

    def taken(self) -> list[str]:
        sent, self.sent = self.sent, []
        return sent


def irc_settings(**changes: object) -> IrcSettings:
    base = replace(load_config(None).irc, server="irc.test", channels=(ChannelSetting("#dev"),))
    return replace(base, **changes)


SASL = {"auth": "sasl", "account": "sbot", "password": Secret("botpass", "the test")}


def registering(settings: IrcSettings | None = None) -> tuple[EarlyRegistration, FakeSocket]:
    sock = FakeSocket()
    early = EarlyRegistration(settings or irc_settings(), "sbot", monotonic=lambda: 100.0, connect=lambda *_: sock)
    assert early.open()
    return early, sock


def lines(*raw: str) -> bytes:
    return "".join(f"{line}\r\n" for line in raw).encode()


LS = ":irc.test CAP * LS :account-tag extended-join sasl=PLAIN,EXTERNAL server-time"


# --- early registration ---


def test_nick_and_user_go_out_as_soon_as_the_socket_is_open():
    _early, sock = registering()
    assert sock.taken() == ["NICK sbot", "USER successbot 0 * :successbot"]


def test_the_capabilities_are_asked_for_and_cap_end_follows_their_ack():
    early, sock = registering()
    sock.taken()
    early.receive(lines(LS))
    assert sock.taken() == ["CAP REQ :server-time account-tag extended-join"]  # no sasl: no login configured
    assert not early.wait_until_sent(0)
    early.receive(lines(":irc.test CAP sbot ACK :server-time account-tag extended-join"))
    assert sock.taken() == ["CAP END"]
    assert early.wait_until_sent(0)
    assert early.login.caps.enabled == {"server-time", "account-tag", "extended-join"}


def test_sasl_is_done_before_cap_end_and_its_password_never_reaches_the_log(caplog):
    caplog.set_level(logging.DEBUG, logger=wire.name)
    early, sock = registering(irc_settings(**SASL))
    sock.taken()
    early.receive(lines(LS, ":irc.test CAP sbot ACK :server-time account-tag extended-join sasl"))
    assert sock.taken() == ["CAP REQ :server-time account-tag extended-join sasl", "AUTHENTICATE PLAIN"]
    early.receive(lines("AUTHENTICATE +"))
    (payload,) = sock.taken()
    assert payload.startswith("AUTHENTICATE ") and payload != "AUTHENTICATE +"
    early.receive(lines(":irc.test 900 sbot sbot!s@h sbot :You are now logged in as sbot", ":irc.test 903 sbot :ok"))
    assert sock.taken() == ["CAP END"]
    assert early.login.logged_in_as == "sbot" and early.login.phase is Phase.REGISTERING
    assert "AUTHENTICATE <hidden>" in caplog.text and payload.split()[1] not in caplog.text


def test_a_refused_password_stops_it_and_the_connection_gets_the_exit_to_carry_out():
    early, _sock = registering(irc_settings(**SASL))
    early.receive(lines(LS, ":irc.test CAP sbot ACK :sasl", "AUTHENTICATE +"))
    early.receive(lines(":irc.test 904 sbot :SASL authentication failed", ":irc.test 001 sbot :Welcome"))
    handover = early.hand_over()
    assert handover.step.exit_status == EXIT_AUTH_FAILED
    assert handover.unread == lines(":irc.test 001 sbot :Welcome")  # the line after is the connection's


def test_the_first_line_that_is_not_registrations_and_all_after_it_are_left_to_the_connection():
    early, sock = registering()
    early.receive(lines(LS, ":irc.test CAP sbot ACK :server-time", ":irc.test 001 sbot :Welcome") + b":irc.test 00")
    early.receive(b"5 sbot NETWORK=TestNet :are supported\r\n:irc.test 375 sbot :motd")
    handover = early.hand_over()
    assert handover.unread == (
        b":irc.test 001 sbot :Welcome\r\n:irc.test 005 sbot NETWORK=TestNet :are supported\r\n:irc.test 375 sbot :motd"
    )
    assert handover.socket is sock and handover.login is early.login


def test_a_taken_nick_is_answered_with_the_next_candidate_and_pings_with_pongs():
    early, sock = registering(irc_settings(alt_nicks=("sbot2",)))
    sock.taken()
    early.receive(lines(":irc.test 433 * sbot :Nickname is already in use", "PING :abc"))
    early.receive(lines(":irc.test NOTICE * :*** Looking up your hostname..."))  # nothing to answer
    early.receive(lines(":irc.test 433 * sbot2 :Nickname is already in use"))
    assert sock.taken() == ["NICK sbot2", "PONG :abc", "NICK sbot_"]
    handover = early.hand_over()
    assert handover.nick == "sbot_" and handover.nick_candidates == ["sbot__"] and handover.unread == b""


def test_a_server_that_cannot_be_reached_is_handed_over_as_its_error():
    def refuse(*_: object) -> socket.socket:
        raise ConnectionRefusedError(111, "Connection refused")

    early = EarlyRegistration(irc_settings(), "sbot", connect=refuse)
    assert not early.open()
    handover = early.hand_over()
    assert handover.socket is None and isinstance(handover.error, ConnectionRefusedError)


def test_lines_are_parsed_with_their_tags_prefix_and_trailing_parameter():
    assert parse_line("@time=x :irc.test CAP * LS :a b") == ("irc.test", "CAP", ["*", "LS", "a b"])
    assert parse_line("PING :tok en") == (None, "PING", ["tok en"])
    assert parse_line("AUTHENTICATE +") == (None, "AUTHENTICATE", ["+"])
    assert parse_line(":irc.test 001 sbot :") == ("irc.test", "001", ["sbot", ""])


# --- the connection taking over ---


@pytest.fixture
def socket_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_the_connection_goes_on_where_registration_stopped(socket_pair):
    ours, _theirs = socket_pair
    early = EarlyRegistration(irc_settings(), "sbot", connect=lambda *_: ours)
    assert early.open()
    early.receive(lines(LS, ":irc.test CAP sbot ACK :server-time account-tag extended-join"))
    early.receive(lines(":irc.test 001 sbot :Welcome", ":irc.test 005 sbot NETWORK=TestNet :are supported"))
    bot = IrcBot(CoreWhenReady(), irc_settings(), "sbot", FixedClock(EXAMPLE_TIME), registration=early)
    try:
        bot._connect()  # what run() does first
        assert bot.registered and bot.network_name == "TestNet"
        assert "account-tag" in bot._caps.enabled  # the negotiation's outcome, not a new one
        assert bot.outbound.clear() == ["JOIN #dev"]
        assert bot.connection.get_nickname() == "sbot"
    finally:
        bot.conversations.stop()
        bot.connection.close()


def test_a_server_that_could_not_be_reached_is_tried_again_after_the_backoff(caplog):
    def refuse(*_: object) -> socket.socket:
        raise ConnectionRefusedError(111, "Connection refused")

    early = EarlyRegistration(irc_settings(), "sbot", connect=refuse)
    early.open()
    bot = IrcBot(CoreWhenReady(), irc_settings(), "sbot", FixedClock(EXAMPLE_TIME), registration=early)
    caplog.set_level(logging.INFO)
    try:
        bot._connect()
        assert not bot.connection.is_connected() and len(bot._timers) == 1  # the reconnection
        assert "cannot connect: Couldn't connect to socket: [Errno 111] Connection refused; reconnecting" in caplog.text
    finally:
        bot.conversations.stop()


# --- the core, once it is there ---


def message(text: str) -> Message:
    return Message(text=text, nick="alice", channel="#dev", account="alice", network="TestNet")


def test_a_command_said_before_the_core_is_ready_waits_for_it_on_its_worker_and_is_answered(store):
    waiting = CoreWhenReady()
    answered: list[list[str]] = []
    worker = threading.Thread(target=lambda: answered.append([r.text for r in waiting.handle(message("!help"), NOW)]))
    worker.start()
    assert answered == []  # still waiting: the core is not there
    waiting.ready(make_core(store))
    worker.join(timeout=10)
    assert answered and answered[0] and "!successes" in " ".join(answered[0])


def test_before_the_core_every_message_may_need_an_account_after_it_the_core_says(store):
    waiting = CoreWhenReady()
    assert waiting.needs_account("!help") and waiting.needs_account("hello")
    waiting.ready(make_core(store))
    assert not waiting.needs_account("hello") and not waiting.needs_account("!help")


def test_before_the_core_every_message_is_for_us_after_it_the_core_says():
    class Judging:  # a core that tells which lines it could answer
        def is_for_us(self, text: str) -> bool:
            return text.startswith("!")

    waiting = CoreWhenReady()
    assert waiting.is_for_us("hello") and waiting.is_for_us("!help")
    waiting.ready(Judging())  # type: ignore[arg-type]
    assert waiting.is_for_us("!help") and not waiting.is_for_us("hello")


def test_a_core_that_never_comes_answers_nothing_and_keeps_nobody_waiting():
    waiting = CoreWhenReady()
    waiting.never()
    assert waiting.handle(message("!help"), NOW) == [] and not waiting.wait(0)


NOW = datetime(2026, 3, 14, 12, tzinfo=UTC)


def test_channels_seen_before_the_database_is_open_are_recorded_in_order_once_it_is(engine):
    store = SqlChannelPrivacyStore(engine)
    recorder = PrivacyRecorder(None, lambda: "TestNet", FixedClock(NOW))
    recorder("#secret", True)  # seen on joining, before the store exists
    recorder("#secret", False)
    recorder("#keyed", True)
    recorder.ready(store)
    recorder.close()
    assert store.private_channels() == frozenset({"#keyed"})

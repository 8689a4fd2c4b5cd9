"""A PRIVMSG read in one pass (``incoming``) gives what the irc library's parser and events give, or is left to them."""

from __future__ import annotations

import socket

import irc.client
import pytest

from successbot.adapters.irc.incoming import Said, parse_privmsg


def as_the_library_reads(line: str) -> Said | None:
    """The pubmsg or privmsg event the irc library makes of ``line``, as a ``Said``; None if it makes none."""
    reactor = irc.client.Reactor()
    connection = reactor.server()
    ours, theirs = socket.socketpair()  # never read: the line is handed to the parser
    connection.connect("irc.test", 6667, "sbot", connect_factory=lambda _address: ours)
    events: list[irc.client.Event] = []
    for kind in ("pubmsg", "privmsg"):
        reactor.add_global_handler(kind, lambda _connection, event: events.append(event))
    try:
        connection._process_line(line)
    except ValueError:  # fewer than two arguments: the bot's connection logs and skips such a line
        pass
    finally:
        connection.close()
        theirs.close()
    if len(events) != 1 or not events[0].arguments:
        return None
    event = events[0]
    tags = {tag["key"]: tag["value"] for tag in (event.tags or [])}
    source = event.source
    return Said(tags, source.nick, source.user, source.host, event.target, event.arguments[0])


READ_IN_ONE_PASS = [
    ":alice!al@example.org PRIVMSG #dev :!deadline",
    "@time=2026-12-01T15:39:54.813Z;account=alice;msgid=x1 :alice!al@example.org PRIVMSG #dev :#success fixed it",
    "@label;+draft/reply=x\\sy\\:z\\\\w\\q :bob!~b@h PRIVMSG sbot :hello there",  # escapes, a valueless tag
    "@a=trailing\\ :bob!~b@h PRIVMSG #dev :a lone backslash at a tag's end is kept",
    "@a=;b= :bob!~b@h PRIVMSG #dev :empty values are None",
    ":bob!~b@h PRIVMSG #dev :",  # an empty text
    ":bob!~b@h PRIVMSG #dev ::starts with a colon",
    ":bob!~b@h PRIVMSG #dev :a :b :c",
    ":bob!~b@h PRIVMSG #dev one word then others",  # no colon: the first word alone, as the library takes it
    ":bob!~b@h privmsg #dev :lower-case command",
    ":bob!~b@h   PRIVMSG    #dev   :spaces between the parts",
    ":bob!~b@h PRIVMSG #dev :trailing spaces   ",
    ":bob PRIVMSG #dev :no user or host",
    ":bob!@ PRIVMSG #dev :empty user and host",
    ":bøb!ü@höst PRIVMSG &ünïcode :ünïcode 🎉 text",
    ":bob!~b@h PRIVMSG +modeless :and ! channels",
]


@pytest.mark.parametrize("line", READ_IN_ONE_PASS)
def test_a_privmsg_is_read_as_the_irc_library_reads_it(line):
    said = parse_privmsg(line)
    assert said is not None
    assert said == as_the_library_reads(line)


LEFT_TO_THE_LIBRARY = [
    ":bob!~b@h PRIVMSG #dev :\x01ACTION waves\x01",  # CTCP
    ":bob!~b@h PRIVMSG #dev :low-level \x10quoting",
    ":bob!~b@h NOTICE #dev :not a PRIVMSG",
    ":irc.test 001 sbot :Welcome",
    "PRIVMSG #dev :no source",
    ":bob!~b@h PRIVMSG #dev",  # no text
    ":bob!~b@h PRIVMSG",
    ":bob!~b@h PRIVMSG :#dev",
    "@a=b  :bob!~b@h PRIVMSG #dev :two spaces after the tags",
    "@a=b",
    ": PRIVMSG #dev :an empty source",
    "",
]


@pytest.mark.parametrize("line", LEFT_TO_THE_LIBRARY)
def test_lines_it_does_not_read_exactly_as_the_library_are_left_to_the_library(line):
    assert parse_privmsg(line) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_bot_answers_a_privmsg_read_in_one_pass_and_counts_it_as_hearing_from_the_server(store):
    from harness import bot_on_a_socket_pair, make_core
    from successbot.adapters.irc.liveness import Verdict

    clock = FakeClock()
    caps = {"account-tag", "server-time", "message-tags"}
    with bot_on_a_socket_pair(make_core(store), ("#dev",), caps, monotonic=clock, auth="none") as bot:
        answered: list[tuple[str, str | None, list[str]]] = []
        bot.conversations.deliver = lambda message, replies: answered.append(
            (message.nick, message.account, [reply.text for reply in replies])
        )
        read_by_the_library: list[str] = []
        bot.reactor.add_global_handler("pubmsg", lambda _connection, event: read_by_the_library.append(event.target))
        bot.connection._process_line(":irc.test 001 sbot :Welcome")
        clock.now += bot.settings.ping_interval - 1
        bot.connection._process_line(":bob!b@example.org PRIVMSG #dev :just talking, no command")
        bot.connection._process_line(":bob!b@example.org PRIVMSG #dev :!frobnicate (another bot's command)")
        assert bot.conversations.pending() == 0  # no worker woken for what gets no answer
        bot.connection._process_line("@account=alice :alice!al@example.org PRIVMSG #dev :!successes")
        assert bot.conversations.wait_idle(10)
        clock.now += 2  # a ping_interval after the 001, but not after the PRIVMSG
        assert bot._liveness.check(clock()) is Verdict.FINE
        assert read_by_the_library == []  # it went to the bot directly, not through the library's events
        nothing_yet = "alice: No successes recorded in #dev yet. Add one with #success TEXT"
        assert answered == [("alice", "alice", [nothing_yet])]  # the account from its tag

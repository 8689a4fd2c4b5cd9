"""Hostile input, property-based: any text, nick, account or channel, and any line from the server.

Nothing may raise, every line the bot would send fits IRC's 512 bytes with
no CR, LF or NUL, and what users typed cannot become formatting or markup.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from harness import EXAMPLE_TIME, make_core
from successbot.adapters.irc.connection import IrcBot
from successbot.adapters.irc.lines import MAX_LINE_BYTES, prefix_budget_for
from successbot.config import load_config
from successbot.core.messages import Message
from successbot.core.successes import Success, clean_success_text
from successbot.publishing.renderers import RENDERERS
from successbot.publishing.renderers.base import ExportRequest, one_line

FORMATTING = set("\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f")
LINE_BREAKERS = set("\r\n\0")
# Text as users and servers produce it: any code point (no lone surrogates, which
# cannot come out of a UTF-8 decoder), weighted towards IRC's control codes.
hostile_text = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(sorted(FORMATTING | LINE_BREAKERS))),
    max_size=600,
)
command_like = st.one_of(
    hostile_text,
    st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(
            ["#success ", "!successes ", "!successes #", "!success delete ", "!success undelete ", "!help ", "!"]
        ),
        hostile_text,
    ),
)
names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80)
channels = st.builds(lambda name: "#" + name, st.text(st.characters(blacklist_categories=("Cs",)), max_size=70))
hostile = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def bot_outbound(store):
    """An IrcBot connected to a socket pair instead of a server; its outbound queue shows what it would send.

    It never sees a 001, so nothing leaves the queue.
    """
    config = load_config(None)
    irc_settings = replace(config.irc, server="irc.test", channels=(), max_reply_lines=3)
    bot = IrcBot(make_core(store), irc_settings, "sbot", clock=_NoClock())
    ours, theirs = socket.socketpair()
    bot.connection.connect("irc.test", 6667, "sbot", connect_factory=lambda _address: ours)
    bot._caps.enabled = {"account-tag", "server-time", "extended-join", "account-notify", "message-tags"}
    yield bot
    bot.conversations.stop()
    bot.connection.close()
    theirs.close()


class _NoClock:
    def now(self) -> datetime:
        return EXAMPLE_TIME


def relayed_size(bot_nick: str, line: str) -> int:
    return prefix_budget_for(bot_nick) + len(line.encode("utf-8")) + 2


# The head of a line of !successes: "#12 Mon 14 Mar 2016 10:00 UTC ", then the author's nick and ": ".
LISTED = re.compile(r"#\d+ \w{3} \d{1,2} \w{3} \d{4} \d\d:\d\d UTC ")


@pytest.fixture
def speakers() -> set[str]:
    """The nicks that spoke in this test: the store keeps each example's successes for the next examples' listings."""
    return set()


def without_nicks(text: str, nick: str, speakers: set[str]) -> str:
    """``text`` without the nicks it names as nicks (the server's, not what users typed): a listed success's
    author, and the speaker it answers."""
    listed = LISTED.match(text)
    if listed:
        rest = text[listed.end() :]
        author = max((name for name in speakers if rest.startswith(f"{name}: ")), key=len, default="")
        text = text[: listed.end()] + rest[len(author) :]
    return text.replace(nick, "")


@hostile
@given(text=command_like, nick=names, account=st.none() | names, channel=st.none() | channels)
def test_the_core_answers_anything_without_raising_or_echoing_formatting(
    store, speakers, caplog, text, nick, account, channel
):
    core = make_core(store)
    message = Message(text=text, nick=nick, channel=channel, account=account, network="TestNet")
    speakers.add(nick)
    with caplog.at_level(logging.ERROR):
        replies = core.handle(message, EXAMPLE_TIME)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR], text
    for reply in replies:
        assert not FORMATTING & set(without_nicks(reply.text, nick, speakers)), reply.text


@hostile
@given(text=command_like, nick=names, channel=channels)
def test_every_line_the_bot_would_send_fits_and_carries_no_line_break(bot_outbound, text, nick, channel):
    core = bot_outbound.core
    core.handle(Message(text=f"#success {text}", nick=nick, channel=channel), EXAMPLE_TIME)
    for reply in core.handle(Message(text=text, nick=nick, channel=channel), EXAMPLE_TIME):
        if reply.target.strip() and not set(reply.target) & set(" ,\r\n\0"):
            bot_outbound.say(reply.target, reply.text)
    for line in bot_outbound.outbound.clear():
        assert not LINE_BREAKERS & set(line)
        assert relayed_size("sbot", line) <= MAX_LINE_BYTES


raw_lines = st.one_of(
    hostile_text,
    st.builds(
        lambda tags, source, command, target, text: f"{tags}{source}{command} {target} :{text}",
        st.sampled_from(["", "@account=alice;time=2026-11-28T10:00:00.000Z ", "@time=garbage ", "@=;;=x "]),
        st.sampled_from(["", ":alice!a@h ", ":x ", ":!@ ", ": "]),
        st.sampled_from(["PRIVMSG", "NOTICE", "JOIN", "NICK", "KICK", "ACCOUNT", "CAP", "330", "318", "001", "005"]),
        st.sampled_from(["#dev", "sbot", "*", "", "#"]),
        hostile_text,
    ),
)


@hostile
@given(line=raw_lines)
def test_any_line_from_the_server_is_handled_without_an_error(bot_outbound, caplog, line):
    flat = line.replace("\r", " ").replace("\n", " ").replace("\0", " ")  # the line buffer splits at these
    with caplog.at_level(logging.WARNING):
        bot_outbound.connection._process_line(flat)  # what the reactor calls for each line read
        assert bot_outbound.conversations.wait_idle(10), "a command handed to the workers did not finish"
    crashes = [record.getMessage() for record in caplog.records if record.exc_info]
    assert crashes == [], flat
    for queued in bot_outbound.outbound.clear():
        assert not LINE_BREAKERS & set(queued)


stored_successes = st.lists(
    st.builds(
        lambda number, text, nick: Success(
            id=number,
            text=text,
            nick=nick,
            channel="#dev",
            created_at=datetime(2016, 3, 14, tzinfo=UTC) + timedelta(minutes=number),
            account=None,
            userhost=None,
            network="TestNet",
        ),
        st.integers(1, 10_000),
        hostile_text.map(lambda raw: clean_success_text(raw + "x")),  # as the bot stores them: never empty
        names,
    ),
    max_size=20,
)


def export_of(successes: list[Success]) -> ExportRequest:
    return ExportRequest(successes, date(2016, 3, 14), date(2016, 3, 20), "SuccessBot Says, 2016-W11")


@hostile
@given(successes=stored_successes)
def test_every_exporter_renders_any_stored_success(successes):
    for renderer in RENDERERS.values():
        assert isinstance(renderer.render(export_of(successes)), str)


@hostile
@given(successes=stored_successes)
def test_json_export_gives_back_every_text_and_nick_exactly(successes):
    parsed = json.loads(RENDERERS["json"].render(export_of(successes)))
    assert [(item["nick"], item["text"]) for item in parsed] == [(s.nick, s.text) for s in successes]


@hostile
@given(successes=stored_successes.filter(lambda found: all("\n" not in s.nick for s in found)))
def test_text_export_is_one_line_per_success(successes):
    rendered = RENDERERS["text"].render(export_of(successes))
    assert rendered.count("\n") == len(successes)


@hostile
@given(text=hostile_text.map(lambda raw: clean_success_text(raw + "x")))
def test_markdown_export_never_turns_user_text_into_markup(text):
    success = Success(1, text, "alice", "#dev", datetime(2016, 3, 14, tzinfo=UTC), None, None, "TestNet")
    tokens = MarkdownIt("commonmark").parseInline(
        RENDERERS["markdown"].render(export_of([success])).split("\n")[2].removeprefix("- ")
    )
    children = [child for child in tokens[0].children if not (child.type == "text" and child.content == "")]
    kinds = [child.type for child in children]
    # Only the bold nick is markup; the channel, the time and the user's text stay text, whatever it held.
    assert kinds[:3] == ["strong_open", "text", "strong_close"]
    assert set(kinds[3:]) <= {"text"}
    assert "".join(child.content for child in children[3:]) == f" in #dev, Mon 14 Mar 2016 00:00 UTC: {one_line(text)}"

"""Outgoing text: sanitizing and splitting into lines servers relay whole."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from successbot.adapters.irc.lines import (
    CUT_MARKER,
    MAX_LINE_BYTES,
    body_budget,
    prefix_budget_for,
    sanitize,
    split_message,
)

NICK = "successbot"
PREFIX = prefix_budget_for(NICK)


def relayed_line(command: str, target: str, body: str, prefix_budget: int = PREFIX) -> bytes:
    """The line as the server would send it on, with a worst-case prefix."""
    prefix = ":" + "n" * (prefix_budget - 2) + " "
    return f"{prefix}{command} {target} :{body}\r\n".encode()


def without_spaces(text: str) -> str:
    return re.sub(" +", "", text)


# --- sanitize --------------------------------------------------------------


def test_sanitize_turns_line_breaks_into_spaces() -> None:
    assert sanitize("a\r\nb\nc\rd") == "a b c d"


def test_sanitize_drops_nul() -> None:
    assert sanitize("a\0b") == "ab"


def test_sanitize_keeps_ordinary_unicode() -> None:
    assert sanitize("héllo 🎉 e\u0301") == "héllo 🎉 e\u0301"


def test_sanitize_replaces_lone_surrogates_so_text_encodes() -> None:
    assert sanitize("a\ud800b").encode("utf-8") == b"a?b"


# --- prefix budget -----------------------------------------------------------


def test_prefix_budget_covers_nick_user_host_and_punctuation() -> None:
    # ":" + nick + "!" + 10 user + "@" + 63 host + " "
    assert prefix_budget_for("bot") == 1 + 3 + 1 + 10 + 1 + 63 + 1


def test_body_budget_subtracts_command_target_and_crlf() -> None:
    assert body_budget("PRIVMSG", "#c", 80) == 512 - 80 - len("PRIVMSG #c :\r\n")


# --- split_message: examples ---------------------------------------------------


def test_short_text_is_one_part() -> None:
    assert split_message("PRIVMSG", "#c", "hello world", prefix_budget=PREFIX, max_parts=3) == ["hello world"]


def test_blank_text_gives_no_parts() -> None:
    assert split_message("PRIVMSG", "#c", " \r\n ", prefix_budget=PREFIX, max_parts=3) == []


def test_long_text_splits_at_spaces() -> None:
    words = [f"word{i:03d}" for i in range(150)]
    parts = split_message("PRIVMSG", "#c", " ".join(words), prefix_budget=PREFIX, max_parts=10)
    assert len(parts) > 1
    assert [w for part in parts for w in part.split(" ")] == words
    for part in parts:
        assert len(relayed_line("PRIVMSG", "#c", part)) <= MAX_LINE_BYTES


def test_parts_fill_the_budget_exactly_when_unbroken() -> None:
    budget = body_budget("NOTICE", "#c", PREFIX)
    parts = split_message("NOTICE", "#c", "x" * (budget * 2), prefix_budget=PREFIX, max_parts=5)
    assert parts == ["x" * budget, "x" * budget]


def test_multibyte_word_is_cut_between_characters() -> None:
    text = "€" * 400  # 3 bytes each, no spaces at all
    parts = split_message("PRIVMSG", "#c", text, prefix_budget=PREFIX, max_parts=5)
    assert "".join(parts) == text
    for part in parts:
        assert len(relayed_line("PRIVMSG", "#c", part)) <= MAX_LINE_BYTES


def test_combining_mark_stays_with_its_base_letter() -> None:
    budget = body_budget("PRIVMSG", "#c", PREFIX)
    text = "a" * (budget - 1) + "e\u0301" + "tail"
    parts = split_message("PRIVMSG", "#c", text, prefix_budget=PREFIX, max_parts=5)
    assert parts[0] == "a" * (budget - 1)
    assert parts[1].startswith("e\u0301")


def test_text_beyond_max_parts_ends_with_marker_within_budget() -> None:
    text = " ".join(["lorem"] * 500)
    parts = split_message("PRIVMSG", "#c", text, prefix_budget=PREFIX, max_parts=2)
    assert len(parts) == 2
    assert parts[-1].endswith(CUT_MARKER)
    assert len(relayed_line("PRIVMSG", "#c", parts[-1])) <= MAX_LINE_BYTES


def test_crlf_injection_cannot_start_a_new_command() -> None:
    parts = split_message("PRIVMSG", "#c", "hi\r\nQUIT :pwned", prefix_budget=PREFIX, max_parts=3)
    assert parts == ["hi QUIT :pwned"]


@pytest.mark.parametrize("target", ["", "#a b", "#a\r\n", "a,b"])
def test_bad_target_is_refused(target: str) -> None:
    with pytest.raises(ValueError):
        split_message("PRIVMSG", target, "hi", prefix_budget=PREFIX, max_parts=1)


def test_other_commands_are_refused() -> None:
    with pytest.raises(ValueError):
        split_message("KICK", "#c", "hi", prefix_budget=PREFIX, max_parts=1)


def test_prefix_too_large_for_any_body_is_refused() -> None:
    with pytest.raises(ValueError):
        split_message("PRIVMSG", "#c", "hi", prefix_budget=500, max_parts=1)


# --- split_message: properties --------------------------------------------------

# Text is built from fragments so multi-character pieces (CR LF, a ZWJ emoji
# sequence) and long space-free runs show up often.
fragments = st.one_of(
    st.text(max_size=40),  # any code points hypothesis likes, surrogates excluded
    st.text(alphabet="x€🎉", min_size=100, max_size=600),
    st.sampled_from(["\r", "\n", "\r\n", "\0", " ", "   ", "🎉", "👩‍👩‍👧", "e\u0301", "\u0301"]),
)
nasty_text = st.lists(fragments, max_size=40).map("".join)
targets = st.sampled_from(["#c", "#successbot", "someone", "#" + "x" * 63])
nicks = st.text(alphabet="abcdefghijklmnopqrstuvwxyz[]", min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    text=nasty_text,
    target=targets,
    nick=nicks,
    command=st.sampled_from(["PRIVMSG", "NOTICE"]),
    max_parts=st.integers(min_value=1, max_value=6),
)
def test_every_relayed_line_fits_and_is_clean(text: str, target: str, nick: str, command: str, max_parts: int) -> None:
    budget = prefix_budget_for(nick)
    parts = split_message(command, target, text, prefix_budget=budget, max_parts=max_parts)
    assert len(parts) <= max_parts
    for part in parts:
        assert part
        assert not set(part) & {"\r", "\n", "\0"}
        assert len(relayed_line(command, target, part, budget)) <= MAX_LINE_BYTES


@settings(max_examples=300, deadline=None)
@given(text=nasty_text, nick=nicks)
def test_uncut_parts_rejoin_to_the_sanitized_text(text: str, nick: str) -> None:
    parts = split_message(
        "PRIVMSG", "#c", text, prefix_budget=prefix_budget_for(nick), max_parts=10_000
    )  # more than any generated text needs
    assert without_spaces("".join(parts)) == without_spaces(sanitize(text))


@settings(max_examples=200, deadline=None)
@given(text=nasty_text)
def test_cut_text_keeps_a_prefix_and_shows_the_marker(text: str) -> None:
    parts = split_message("PRIVMSG", "#c", text, prefix_budget=PREFIX, max_parts=1)
    clean = without_spaces(sanitize(text))
    if not parts or without_spaces(parts[0]) == clean:
        return  # it all fitted
    assert parts[0].endswith(CUT_MARKER)
    kept = without_spaces(parts[0][: -len(CUT_MARKER)])
    assert clean.startswith(kept)

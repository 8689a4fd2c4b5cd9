"""!help is driven by the command table: every declared command and each of its forms, the hashtag explained."""

from __future__ import annotations

import pytest

from harness import Channel, make_core
from successbot.commands import ALL_COMMANDS


@pytest.fixture
def channel(store, clock) -> Channel:
    return Channel(make_core(store), clock)


def test_help_lists_every_declared_command_with_its_forms(channel):
    (line,) = channel.say("!help")
    for cmd in ALL_COMMANDS:
        assert cmd.usage("!") in line, cmd.trigger
    assert "#success TEXT" in line and "!successes week" in line and "!deadline [PROJECT|SERIES|all]" in line
    assert len(line) <= 400


@pytest.mark.parametrize("topic", ["success", "!success"])
def test_help_success_explains_the_hashtag_and_the_success_commands(channel, topic):
    (line,) = channel.say(f"!help {topic}")
    assert line.startswith("#success TEXT: records TEXT as a success of yours")
    assert "a hashtag, not a command: start a channel message with it" in line
    assert "!success delete ID: " in line and "!success undelete ID: " in line
    assert len(line) <= 400


def test_help_for_the_hashtag_says_it_is_one(channel):
    (line,) = channel.say("!help #success")
    assert line == (
        "#success TEXT: records TEXT as a success of yours in this channel, for the weekly digest "
        "(a hashtag, not a command: start a channel message with it). "
        "Example: #success fixed the gate → alice: Added success #1"
    )


def test_help_successes_names_the_week_form_too(channel):
    (line,) = channel.say("!help successes")
    assert line.startswith("!successes [N] [#CHANNEL]: the last N successes")
    assert "at most 10. Also !successes week. Example: !successes → #1 " in line


def test_every_form_of_every_command_is_reachable_from_help(channel):
    # Each command is named either by !help TOPIC of its own trigger or of its first word.
    for cmd in ALL_COMMANDS:
        (line,) = channel.say(f"!help {cmd.trigger.split()[0]}")
        assert cmd.usage("!") in line, cmd.trigger

"""Every worked example in the command table (the ones !help shows) is replayed and must hold."""

from __future__ import annotations

from harness import Channel, make_core
from successbot.commands import ALL_COMMANDS


def test_every_command_has_a_worked_example():
    assert all(cmd.examples for cmd in ALL_COMMANDS)


def test_examples_give_the_replies_they_promise(store, example_schedule, clock):
    # The examples tell one story in table order, told by alice, who is also an admin;
    # !schedule reload reads the Mitaka cycle and the Newton election before !deadline and !election.
    channel = Channel(make_core(store, admins=("alice",), schedule=example_schedule), clock)
    for cmd in ALL_COMMANDS:
        for example in cmd.examples:
            assert channel.say(example.said) == example.reply.splitlines(), example.said

"""Two bot instances, as for two IRC networks, sharing one PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_irc_bot import bot_reply, fresh_channel

from cli_runner import run_cli

pytestmark = [pytest.mark.irc, pytest.mark.postgresql]


def export(workdir, *args: str) -> str:
    """``successbot --config bot.ini export ARGS`` beside the bot, in this process (see cli_runner)."""
    result = run_cli(workdir, "--config", "bot.ini", "export", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_two_instances_store_successes_with_their_network_and_export_filters_by_it(
    irc_network, postgres_server, start_bot
):
    url = postgres_server.create_database()  # empty: both instances upgrade it as they start together
    first_channel, second_channel = fresh_channel(), fresh_channel()
    first = start_bot(
        irc_network, wait=False, nick="pgbot1", channels=first_channel, auth="none", network="NetOne", database_url=url
    )
    second = start_bot(
        irc_network, wait=False, nick="pgbot2", channels=second_channel, auth="none", network="NetTwo", database_url=url
    )
    speaker = irc_network.connect("pgspeaker")  # while the bots start
    first.wait_joined(first_channel)
    second.wait_joined(second_channel)

    speaker.join(first_channel)
    speaker.join(second_channel)
    speaker.say(first_channel, "#success said on the first network")
    assert bot_reply(speaker, nick="pgbot1") == "pgspeaker: Added success #1"
    speaker.say(second_channel, "#success said on the second network")
    assert bot_reply(speaker, nick="pgbot2") == "pgspeaker: Added success #2"
    speaker.say(first_channel, "#success the first again")
    assert bot_reply(speaker, nick="pgbot1") == "pgspeaker: Added success #3"

    now = datetime.now(UTC)
    stored = first.store().between(now - timedelta(days=1), now + timedelta(days=1))
    assert [(s.id, s.network, s.channel) for s in stored] == [
        (1, "NetOne", first_channel),
        (2, "NetTwo", second_channel),
        (3, "NetOne", first_channel),
    ]
    period = ["--from", f"{now - timedelta(days=1):%Y-%m-%d}", "--to", f"{now + timedelta(days=1):%Y-%m-%d}"]
    assert export(first.workdir, *period, "--network", "NetTwo") == "  • pgspeaker: said on the second network\n"
    assert export(first.workdir, *period, "--network", "NetOne").count("\n") == 2
    assert export(first.workdir, *period).count("\n") == 3
    for bot in (first, second):
        assert "Traceback" not in bot.log()

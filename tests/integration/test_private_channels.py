"""A secret or keyed channel's successes stay in it: successbot run against a real ngIRCd.

On ngIRCd whoever creates a channel is its operator (the test InspIRCd gives
nobody ops, so nobody there can set +s or +k). An op sets the modes with a real client; the bot learns them from the
server (324 after its JOIN, MODE lines after), an outsider asks for the
channel's successes in a private message and is refused, a member gets the
list, and the published pages leave the channel out.
"""

from __future__ import annotations

import itertools
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from successbot.storage.database import make_engine

pytestmark = pytest.mark.irc

SECRET_TEXT = "rotated the signing keys"
UNPACED = {"flood_burst": "30", "flood_rate": "20"}  # what the bot tells whom matters here, not its pace
_numbers = itertools.count(1)


def from_bot(message) -> bool:
    return message.command == "PRIVMSG" and message.nick == "sbot"


def stored_privacy(bot, channel: str) -> bool | None:
    """What the bot's database says of ``channel``; None before it says anything (or has its tables:
    the bot joins while it creates them, and records what it saw meanwhile once they are there)."""
    engine = make_engine(bot.database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT private FROM channel_privacy WHERE channel = :channel")
            value = connection.execute(query, {"channel": channel}).scalar()
    except OperationalError:
        return None
    finally:
        engine.dispose()
    return None if value is None else bool(value)


def wait_until(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.05)


def test_an_outsider_is_refused_a_secret_channels_successes_and_a_member_gets_them(ngircd_network, start_bot, tmp_path):
    number = next(_numbers)
    secret, public = f"#priv{number}", f"#pub{number}"
    op = ngircd_network.connect(f"op{number}")
    op.join(secret)  # the first in is the channel's op
    op.send(f"MODE {secret} +s")
    op.wait_for(lambda m: m.command == "MODE" and m.params[:2] == [secret, "+s"], what="the +s")
    site = tmp_path / "site"
    bot = start_bot(
        ngircd_network, channels=f"{secret}, {public}", auth="none", sections={"export": {"directory": str(site)}},
        **UNPACED,
    )  # fmt: skip
    bot.wait_for_log(rf"{secret} is private \(\+s\)")  # from the 324 it asked for after joining
    wait_until(lambda: stored_privacy(bot, secret) is True, "the channel stored as private")

    member = ngircd_network.connect(f"carol{number}")
    member.join(secret)
    member.join(public)
    member.say(secret, f"#success {SECRET_TEXT}")
    assert member.wait_for(from_bot, what="the acknowledgement").text == f"carol{number}: Added success #1"
    member.say(public, "#success fixed the docs gate")
    assert member.wait_for(from_bot, what="the acknowledgement").text == f"carol{number}: Added success #2"

    outsider = ngircd_network.connect(f"mallory{number}")  # in neither channel, not logged in
    outsider.say("sbot", f"!successes 3 {secret}")
    refusal = outsider.wait_for(from_bot, what="the refusal").text
    assert refusal == f"{secret} keeps its successes to itself: I list them only to people in it now (or to admins)."
    assert SECRET_TEXT not in refusal

    member.say("sbot", f"!successes 3 {secret}")
    listed = member.wait_for(from_bot, what="the list").text
    assert listed.endswith(f"carol{number}: {SECRET_TEXT}")

    # The pages the bot keeps up to date have the public channel's success and not the secret one's.
    wait_until(lambda: "fixed the docs gate" in _pages(site), "the public success on the pages")
    assert SECRET_TEXT not in _pages(site)


def test_a_key_set_while_the_bot_is_there_makes_the_channel_private_and_removing_it_public(ngircd_network, start_bot):
    number = next(_numbers)
    channel = f"#keyed{number}"
    op = ngircd_network.connect(f"keyop{number}")
    op.join(channel)
    bot = start_bot(ngircd_network, channels=channel, auth="none", **UNPACED)
    bot.wait_for_log(rf"{channel} is public")
    wait_until(lambda: stored_privacy(bot, channel) is False, "the channel stored as public")
    op.say(channel, f"#success {SECRET_TEXT}")
    assert op.wait_for(from_bot, what="the acknowledgement").text == f"keyop{number}: Added success #1"

    op.send(f"MODE {channel} +lk 20 s3cret")  # the limit's argument comes first: the key must not be read as it
    bot.wait_for_log(rf"{channel} is private \(\+k\)")
    wait_until(lambda: stored_privacy(bot, channel) is True, "the channel stored as private")
    outsider = ngircd_network.connect(f"eve{number}")
    outsider.say("sbot", f"!successes {channel}")
    assert SECRET_TEXT not in outsider.wait_for(from_bot, what="the refusal").text

    op.send(f"MODE {channel} -k s3cret")
    wait_until(lambda: stored_privacy(bot, channel) is False, "the channel stored as public again")
    outsider.say("sbot", f"!successes {channel}")
    assert outsider.wait_for(from_bot, what="the list").text.endswith(SECRET_TEXT)


def _pages(site) -> str:
    if not site.exists():
        return ""
    return "".join(path.read_text(encoding="utf-8") for path in site.iterdir() if path.is_file())

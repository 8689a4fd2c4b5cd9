"""The stale-account attack, on the three kinds of server: nobody but the admin's account gets admin rights.

The admin logs in, joins, parts, then quits or changes nick while sharing no
channel with the bot; someone not logged in takes the admin's nick and, without
joining, asks the bot in private to undelete, delete and reload. On InspIRCd
without ``account-tag`` the bot only knows accounts from extended-join and
account-notify, which stop once no channel is shared: it must ask WHOIS. With
``account-tag`` each message carries its speaker's account. On ngIRCd there are
no accounts at all: a nick alone never makes an admin.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ircnet import Network
from test_irc_bot import BOT_ENV, SASL_BOT, fresh_channel

pytestmark = pytest.mark.irc

PASSWORDS = {"sbot": "botpass", "alice": "alicepw", "bob": "bobpw"}
IMPOSTOR_COMMANDS = ("!success undelete 2", "!success delete 1", "!schedule reload")
# Pacing is not what these tests are about (the servers' flood limits are relaxed).
UNPACED = {"flood_burst": "30", "flood_rate": "20"}
RELOADED = "Reloaded 1 source, 1 event: events.yaml 1"


@pytest.fixture(scope="module")
def untagged_accounts(untagged_network: Network) -> Network:
    untagged_network.register_all(PASSWORDS)
    return untagged_network


@pytest.fixture(params=["without account-tag", "with account-tag"])
def inspircd(request: pytest.FixtureRequest) -> Network:
    """InspIRCd + Anope with the accounts sbot, alice (the admin) and bob, with or without account-tag."""
    if request.param == "without account-tag":
        return request.getfixturevalue("untagged_accounts")
    request.getfixturevalue("accounts")
    return request.getfixturevalue("irc_network")


@pytest.fixture
def schedule_source(tmp_path: Path) -> dict[str, dict[str, str]]:
    """A schedule source, so that an obeyed ``!schedule reload`` says what it read."""
    source = tmp_path / "events.yaml"
    source.write_text(
        "successbot-schedule: 1\nevents:\n  - title: Feature freeze\n    kind: deadline\n    date: 2030-01-07\n",
        encoding="utf-8",
    )
    return {"schedule": {"sources": str(source)}, "announce": {"weekly_summary": "off"}}


def reply_to(client, timeout: float = 10.0) -> str:
    """The bot's next answer to this client, in private or addressed to it in a channel (others' are skipped)."""
    return client.wait_for(
        lambda m: (
            m.command == "PRIVMSG"
            and m.nick == "sbot"
            and (m.params[0] == client.nick or m.text.startswith(f"{client.nick}: "))
        ),
        timeout=timeout,
        what=f"the bot's answer to {client.nick}",
    ).text


def part(client, channel: str) -> None:
    client.send(f"PART {channel}")
    client.wait_for(lambda m: m.command == "PART" and m.nick == client.nick, what=f"PART {channel}")


def record_three_and_delete_two(bob, channel: str) -> None:
    """Successes #1 (kept), #2 and #3 (deleted by their author): what an admin may undelete."""
    for number, text in enumerate(("one", "two", "three"), start=1):
        bob.say(channel, f"#success {text}")
        assert reply_to(bob) == f"bob: Added success #{number}"
    for number in (2, 3):
        bob.say(channel, f"!success delete {number}")
        assert reply_to(bob) == f"bob: Deleted success #{number}"


def assert_impostor_refused(impostor) -> None:
    for text in IMPOSTOR_COMMANDS:
        impostor.say("sbot", text)
    replies = [reply_to(impostor) for _ in IMPOSTOR_COMMANDS]
    assert replies[0].startswith("Only admins can undelete successes"), replies
    assert replies[1].startswith("Only the author of success #1 or an admin can delete it"), replies
    assert replies[2].startswith("Only admins can reload the schedule"), replies
    assert all("not logged in" in reply for reply in replies), replies


@pytest.mark.parametrize("leaves_by", ["quit", "nick change"])
def test_an_impostor_with_the_parted_admins_nick_gets_no_admin_rights(inspircd, start_bot, schedule_source, leaves_by):
    channel = fresh_channel()
    bot = start_bot(
        inspircd, env=BOT_ENV, channels=channel, sections=schedule_source, wait=False, **SASL_BOT, **UNPACED
    )  # fmt: skip
    bob, admin = inspircd.connect_many(
        {"nick": "bob", "sasl": ("bob", "bobpw")}, {"nick": "alice", "sasl": ("alice", "alicepw")}
    )  # while the bot starts; they join after it
    bot.wait_joined()
    for client in (bob, admin):
        client.join(channel)
    record_three_and_delete_two(bob, channel)

    # The admin is obeyed while logged in: in the channel, in private while seen, and in private once parted.
    admin.say(channel, "!success undelete 3")
    assert reply_to(admin) == "alice: Restored success #3"
    admin.say("sbot", "!schedule reload")
    assert reply_to(admin) == RELOADED
    part(admin, channel)
    admin.say("sbot", "!schedule reload")
    assert reply_to(admin) == RELOADED

    if leaves_by == "quit":
        admin.close()
    else:
        admin.change_nick("alice_away")
    impostor = inspircd.connect("alice")  # not logged in, joins nothing
    assert impostor.nick == "alice" and impostor.account is None
    assert_impostor_refused(impostor)

    # Joining does not help the impostor either: extended-join says it is not logged in.
    impostor.join(channel)
    impostor.say("sbot", "!success undelete 2")
    assert reply_to(impostor).startswith("Only admins can undelete successes")

    if leaves_by == "nick change":  # the real admin, under another nick, still is the admin
        admin.say("sbot", "!success undelete 2")
        assert reply_to(admin) == "Restored success #2"
    store = bot.store()
    assert not store.get(1).is_deleted
    assert store.get(2).is_deleted is (leaves_by == "quit")
    assert not store.get(3).is_deleted


def test_on_ngircd_without_accounts_a_nick_alone_never_gets_admin_rights(ngircd_network, start_bot, schedule_source):
    channel = fresh_channel()
    bot = start_bot(ngircd_network, channels=channel, auth="none", sections=schedule_source, admins="alice", **UNPACED)
    bob, admin_nick = ngircd_network.connect_many({"nick": "bob"}, {"nick": "alice"})
    for client in (bob, admin_nick):
        client.join(channel)
    record_three_and_delete_two(bob, channel)

    # Whoever holds the admin's nick, seen or not, is not logged in: no admin rights.
    admin_nick.say(channel, "!success undelete 3")
    assert reply_to(admin_nick).startswith("alice: Only admins can undelete successes")
    admin_nick.say("sbot", "!schedule reload")
    assert reply_to(admin_nick).startswith("Only admins can reload the schedule")
    part(admin_nick, channel)
    admin_nick.close()
    impostor = ngircd_network.connect("alice")
    assert_impostor_refused(impostor)

    store = bot.store()
    assert not store.get(1).is_deleted
    assert store.get(2).is_deleted and store.get(3).is_deleted


def test_with_accounts_required_only_a_logged_in_speaker_records_a_success(inspircd, start_bot):
    channel = fresh_channel()
    bot = start_bot(
        inspircd, env=BOT_ENV, channels=channel, sections={"permissions": {"require_account_for_success": "true"}},
        wait=False, **SASL_BOT, **UNPACED,
    )  # fmt: skip
    # Not logged in: on the untagged server the bot must ask WHOIS. Both connect while the bot starts.
    anonymous, bob = inspircd.connect_many({"nick": "carol"}, {"nick": "bob", "sasl": ("bob", "bobpw")})
    bot.wait_joined()
    anonymous.join(channel)
    anonymous.say(channel, "#success under a nick anyone can take")
    refusal = anonymous.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "sbot", timeout=15).text
    assert refusal.startswith("carol: Not recorded: this channel records successes from people logged in")
    bob.join(channel)
    bob.say(channel, "#success signed with my account")
    assert bob.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "sbot", timeout=15).text == (
        "bob: Added success #1"
    )

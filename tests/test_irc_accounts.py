"""Who the bot can see and their accounts: AccountTracker driven by event sequences, and IrcBot's use of it.

The tracker tests call it as the connection does for each server line; the
IrcBot tests feed it raw server lines in-process and read its outbound queue.
"""

from __future__ import annotations

from collections.abc import Iterator

import irc.strings
import pytest

from harness import bot_on_a_socket_pair, feed, make_core
from successbot.adapters.irc.accounts import (
    UNKNOWN,
    AccountTracker,
    account_named,
    nicks_in_names,
    rfc1459_lower,
)
from successbot.adapters.irc.connection import IrcBot


@pytest.fixture
def tracker() -> AccountTracker:
    tracker = AccountTracker()
    tracker.bot_joined("#dev")
    return tracker


# --- the attack and its variants ---


@pytest.mark.parametrize("leaves", ["quit", "nick change"])
def test_an_impostor_taking_a_parted_admins_nick_is_unknown_not_the_admin(tracker, leaves):
    tracker.joined("alice", "#dev", "alice")
    assert tracker.account_of("alice") == "alice"
    tracker.left("alice", "#dev")
    # The admin's QUIT or NICK now happens out of the bot's sight: nothing to feed.
    # Whoever says something as "alice" next may be someone else.
    assert tracker.account_of("alice") is UNKNOWN
    assert len(tracker) == 0


def test_a_kick_from_the_last_shared_channel_forgets_the_account(tracker):
    tracker.bot_joined("#ops")
    tracker.joined("alice", "#dev", "alice")
    tracker.joined("alice", "#ops")
    tracker.left("alice", "#dev")  # kicked from one of two channels: still seen
    assert tracker.account_of("alice") == "alice"
    tracker.left("alice", "#OPS")  # kicked from the last (channels compare by casemapping)
    assert tracker.account_of("alice") is UNKNOWN
    assert not tracker.sees("alice")


def test_a_quit_forgets_the_account(tracker):
    tracker.joined("alice", "#dev", "alice")
    tracker.quit("Alice")
    assert tracker.account_of("alice") is UNKNOWN


def test_a_nick_change_carries_the_account_while_seen(tracker):
    tracker.joined("alice", "#dev", "alice")
    tracker.renamed("alice", "alice_away")
    assert tracker.account_of("alice_away") == "alice"
    assert tracker.account_of("alice") is UNKNOWN  # the old nick is free for anyone
    assert tracker.channels_of("alice_away") == {"#dev"}


def test_a_rename_of_a_nick_not_seen_gives_the_new_nick_nothing(tracker):
    tracker.renamed("stranger", "alice")
    assert tracker.account_of("alice") is UNKNOWN
    assert len(tracker) == 0


def test_a_rename_onto_a_nick_thought_seen_replaces_it(tracker):
    # Can only happen if we missed that nick's departure: the newcomer is not its old holder.
    tracker.joined("alice", "#dev", "alice")
    tracker.joined("bob", "#dev", None)
    tracker.renamed("bob", "alice")
    assert tracker.account_of("alice") is None
    assert len(tracker) == 1


def test_the_bot_parting_forgets_members_seen_only_there(tracker):
    tracker.bot_joined("#ops")
    tracker.joined("alice", "#dev", "alice")
    tracker.joined("alice", "#ops")
    tracker.joined("bob", "#ops", "bob")
    tracker.bot_left("#ops")
    assert tracker.account_of("bob") is UNKNOWN
    assert tracker.account_of("alice") == "alice"  # still shares #dev
    assert tracker.channels_of("alice") == {"#dev"}
    assert tracker.bot_channels == {"#dev"}


def test_a_disconnect_forgets_everything(tracker):
    tracker.joined("alice", "#dev", "alice")
    tracker.reset()
    assert tracker.account_of("alice") is UNKNOWN
    assert tracker.bot_channels == frozenset()
    tracker.joined("alice", "#dev", "alice")  # a JOIN seen before the bot rejoined is not ours
    assert len(tracker) == 0


def test_stays_bounded_by_the_users_sharing_channels_after_many_joins_and_parts(tracker):
    for number in range(10_000):
        nick = f"visitor{number}"
        tracker.joined(nick, "#dev", nick)
        tracker.account_changed(nick, None)
        if number % 3 == 0:
            tracker.left(nick, "#dev")
        elif number % 3 == 1:
            tracker.quit(nick)
        else:
            tracker.renamed(nick, nick + "_")
            tracker.left(nick + "_", "#dev")
    assert len(tracker) == 0
    for number in range(50):
        tracker.joined(f"regular{number}", "#dev")
    assert len(tracker) == 50


# --- how accounts become known ---


def test_names_makes_members_seen_with_their_accounts_unknown_until_told(tracker):
    tracker.joined("alice", "#dev", "alice")
    tracker.names("#dev", ["alice", "bob", "carol"])
    assert tracker.account_of("alice") == "alice"  # a NAMES line says nothing of accounts
    assert tracker.account_of("bob") is UNKNOWN and tracker.sees("bob")
    tracker.account_changed("bob", "bob")  # account-notify
    tracker.learned("carol", None)  # WHOIS: not logged in
    assert (tracker.account_of("bob"), tracker.account_of("carol")) == ("bob", None)


def test_names_of_a_channel_the_bot_is_not_in_is_ignored(tracker):
    tracker.names("#elsewhere", ["alice", "bob"])
    assert len(tracker) == 0


def test_a_whois_answer_is_kept_only_for_a_nick_that_shares_a_channel(tracker):
    assert tracker.learned("alice", "alice") is False  # in private, not seen: answer once, forget
    assert tracker.account_of("alice") is UNKNOWN
    tracker.names("#dev", ["alice"])
    assert tracker.learned("alice", "alice") is True
    assert tracker.account_of("alice") == "alice"


def test_account_notify_logs_in_and_out_and_is_ignored_for_nicks_not_seen(tracker):
    tracker.joined("alice", "#dev", None)
    tracker.account_changed("alice", "alice")
    assert tracker.account_of("alice") == "alice"
    tracker.account_changed("alice", None)
    assert tracker.account_of("alice") is None
    tracker.account_changed("stranger", "stranger")
    assert not tracker.sees("stranger")


def test_a_join_without_extended_join_keeps_a_known_account(tracker):
    tracker.bot_joined("#ops")
    tracker.joined("alice", "#dev", "alice")
    tracker.joined("alice", "#ops")  # UNKNOWN: this JOIN says nothing, but we have been watching
    assert tracker.account_of("alice") == "alice"


def test_nicks_compare_by_the_casemapping_given():
    tracker = AccountTracker(irc.strings.lower)
    tracker.bot_joined("#Dev")
    tracker.joined("Alice[m]", "#dev", "alice")
    assert tracker.account_of("alice{M}") == "alice"
    assert rfc1459_lower("Alice[m]\\^") == irc.strings.lower("Alice[m]\\^") == "alice{m}|~"


def test_names_lists_lose_status_prefixes_and_userhosts():
    assert nicks_in_names("@alice +bob @+carol!c@host.test dave ", "@+") == ["alice", "bob", "carol", "dave"]
    assert nicks_in_names("~owner &admin %half !odd", "") == ["owner", "admin", "half"]


def test_star_means_logged_out():
    assert (account_named("*"), account_named(""), account_named("alice")) == (None, None, "alice")


# --- IrcBot: the tracker behind the bot's decisions ---


INSPIRCD_CAPS_BUT_ACCOUNT_TAG = {"server-time", "extended-join", "account-notify", "message-tags", "multi-prefix"}


@pytest.fixture
def bot(store) -> Iterator[IrcBot]:
    """An IrcBot with InspIRCd's caps minus account-tag, alice an admin; it sends nothing of its own."""
    with bot_on_a_socket_pair(make_core(store, admins=("alice",)), caps=INSPIRCD_CAPS_BUT_ACCOUNT_TAG) as bot:
        yield bot


ALICE = ":alice!~alice@admin.test"
IMPOSTOR = ":alice!~mallory@evil.test"


def test_the_bot_asks_whois_for_a_privileged_private_message_after_the_admin_parted_and_quit(bot):
    feed(
        bot,
        ":sbot!~sbot@bot.test JOIN #dev * :successbot",
        ":irc.test 353 sbot = #dev :@sbot bob",
        f"{ALICE} JOIN #dev alice :Alice",
    )
    assert bot._accounts.account_of("alice") == "alice"
    feed(bot, f"{ALICE} PART #dev :bye")  # then quits, which the bot does not see
    sent = feed(bot, f"{IMPOSTOR} PRIVMSG sbot :!success undelete 2")
    assert sent == ["WHOIS alice"]  # asked, not obeyed
    sent = feed(
        bot,
        ":irc.test 311 sbot alice ~mallory evil.test * :Mallory",
        ":irc.test 318 sbot alice :End of /WHOIS list.",
    )
    assert len(sent) == 1 and sent[0].startswith("PRIVMSG alice :Only admins can undelete")
    assert bot._accounts.account_of("alice") is UNKNOWN  # the answer is not kept for a nick not seen
    assert feed(bot, f"{IMPOSTOR} PRIVMSG sbot :!schedule reload") == ["WHOIS alice"]  # so asked again


def test_a_privileged_private_message_from_a_seen_admin_needs_no_whois(bot):
    feed(bot, ":sbot!~sbot@bot.test JOIN #dev * :successbot", f"{ALICE} JOIN #dev alice :Alice")
    sent = feed(bot, f"{ALICE} PRIVMSG sbot :!success undelete 1")
    assert sent == ["PRIVMSG alice :There is no success #1."]  # past the admin check, at once


def test_a_member_known_only_from_names_is_asked_once_and_then_remembered(bot):
    feed(bot, ":sbot!~sbot@bot.test JOIN #dev * :successbot", ":irc.test 353 sbot = #dev :sbot @alice")
    assert feed(bot, f"{ALICE} PRIVMSG #dev :!success undelete 1") == ["WHOIS alice"]
    sent = feed(
        bot,
        ":irc.test 311 sbot alice ~alice admin.test * :Alice",
        ":irc.test 330 sbot alice alice :is logged in as",
        ":irc.test 318 sbot alice :End of /WHOIS list.",
    )
    assert sent == ["PRIVMSG #dev :alice: There is no success #1."]
    assert feed(bot, f"{ALICE} PRIVMSG #dev :!success undelete 1") == ["PRIVMSG #dev :alice: There is no success #1."]


def test_a_whois_answer_about_someone_else_is_not_trusted(bot):
    # The impostor asks, then gives the nick up; the admin takes it before the WHOIS is answered.
    feed(bot, ":sbot!~sbot@bot.test JOIN #dev * :successbot")
    assert feed(bot, f"{IMPOSTOR} PRIVMSG sbot :!success undelete 1") == ["WHOIS alice"]
    sent = feed(
        bot,
        ":irc.test 311 sbot alice ~alice admin.test * :Alice",
        ":irc.test 330 sbot alice alice :is logged in as",
        ":irc.test 318 sbot alice :End of /WHOIS list.",
    )
    assert len(sent) == 1 and sent[0].startswith("PRIVMSG alice :Only admins can undelete")


def test_a_nick_change_while_whois_is_pending_means_its_answer_is_not_trusted(bot):
    feed(bot, ":sbot!~sbot@bot.test JOIN #dev * :successbot", ":irc.test 353 sbot = #dev :sbot alice")
    assert feed(bot, f"{ALICE} PRIVMSG sbot :!success undelete 1") == ["WHOIS alice"]
    feed(bot, f"{ALICE} NICK :alice_away")
    sent = feed(
        bot,
        ":irc.test 311 sbot alice ~alice admin.test * :Alice",
        ":irc.test 330 sbot alice alice :is logged in as",
        ":irc.test 318 sbot alice :End of /WHOIS list.",
    )
    assert len(sent) == 1 and sent[0].startswith("PRIVMSG alice :Only admins can undelete")
    assert bot._accounts.account_of("alice") is UNKNOWN


def test_kicks_parts_and_the_bots_own_leaving_feed_the_tracker(bot):
    feed(
        bot,
        ":sbot!~sbot@bot.test JOIN #dev * :successbot",
        ":sbot!~sbot@bot.test JOIN #ops * :successbot",
        ":irc.test 353 sbot = #dev :sbot alice bob carol",
        ":irc.test 353 sbot = #ops :sbot carol",
    )
    assert len(bot._accounts) == 3  # the bot itself is not a member
    feed(bot, ":op!~op@op.test KICK #dev alice :out")
    feed(bot, ":bob!~bob@bob.test PART #dev")
    assert not bot._accounts.sees("alice") and not bot._accounts.sees("bob")
    feed(bot, ":op!~op@op.test KICK #ops sbot :you too")
    assert bot._accounts.channels_of("carol") == {"#dev"}
    feed(bot, ":sbot!~sbot@bot.test PART #dev")
    assert len(bot._accounts) == 0


def test_without_account_notify_the_tracker_is_not_trusted(bot):
    bot._caps.enabled = {"extended-join"}  # a logout would go unheard
    feed(bot, ":sbot!~sbot@bot.test JOIN #dev * :successbot", f"{ALICE} JOIN #dev alice :Alice")
    assert feed(bot, f"{ALICE} PRIVMSG sbot :!success undelete 1") == ["WHOIS alice"]


def test_with_account_tag_the_tag_decides_and_nothing_is_asked(bot):
    bot._caps.enabled |= {"account-tag"}
    feed(bot, ":sbot!~sbot@bot.test JOIN #dev * :successbot", f"{ALICE} JOIN #dev alice :Alice")
    sent = feed(bot, f"{ALICE} PRIVMSG sbot :!success undelete 1")  # no tag: not logged in, whatever JOIN said
    assert len(sent) == 1 and sent[0].startswith("PRIVMSG alice :Only admins can undelete")
    sent = feed(bot, f"@account=alice {IMPOSTOR} PRIVMSG sbot :!success undelete 1")
    assert sent == ["PRIVMSG alice :There is no success #1."]

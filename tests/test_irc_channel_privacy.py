"""Which channels are keyed, secret or private, and who is in them: mode parsing and membership, without a server.

The parsing and the snapshots are called directly; the IrcBot tests feed it
raw server lines in-process (as tests/test_irc_accounts.py does) and read
what it queued, what it says of channels, and what it told its listeners.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import irc.strings
import pytest

from harness import bot_on_a_socket_pair, feed, make_core
from successbot.adapters.irc.accounts import AccountTracker
from successbot.adapters.irc.channels import Channels
from successbot.adapters.irc.connection import IrcBot
from successbot.adapters.irc.modes import RFC2811, ModeSyntax, mode_changes, privacy_after
from successbot.config import ChannelSetting

# InspIRCd 3's, as the test network announces them.
INSPIRCD = ModeSyntax.from_isupport(["IXbeg", "k", "FHJLfjl", "ACKMNOPQRSTcimnprstz"], "Yqaohv")


# --- reading MODE lines ---


def test_a_key_takes_its_argument_and_the_modes_after_it_keep_theirs():
    assert mode_changes(["+ks", "s3cret"], INSPIRCD) == [(True, "k", "s3cret"), (True, "s", None)]
    assert mode_changes(["+lk-p+o", "10", "s3cret", "alice"], INSPIRCD) == [
        (True, "l", "10"),
        (True, "k", "s3cret"),
        (False, "p", None),
        (True, "o", "alice"),
    ]


def test_a_limit_takes_an_argument_only_when_set_and_a_key_also_when_unset():
    assert mode_changes(["-lk", "*"], INSPIRCD) == [(False, "l", None), (False, "k", "*")]


def test_chanmodes_say_which_modes_take_arguments_beyond_the_rfc_ones():
    # InspIRCd's +j (join throttle) takes "3:10": read with the RFC's sets, +k would take "3:10" as its key.
    assert mode_changes(["+jk", "3:10", "key"], INSPIRCD) == [(True, "j", "3:10"), (True, "k", "key")]
    assert mode_changes(["+jk", "3:10", "key"], RFC2811) == [(True, "j", None), (True, "k", "3:10")]  # "key" left


def test_member_statuses_from_prefix_take_a_nick():
    assert mode_changes(["+Ys", "oper"], INSPIRCD) == [(True, "Y", "oper"), (True, "s", None)]


def test_several_mode_words_and_a_missing_argument_are_read_without_failing():
    assert mode_changes(["+s", "+k"], INSPIRCD) == [(True, "s", None), (True, "k", None)]
    assert mode_changes([], INSPIRCD) == []


def test_privacy_follows_k_s_and_p_only():
    private = privacy_after(frozenset(), mode_changes(["+nstk", "key"], INSPIRCD))
    assert private == {"s", "k"}
    assert privacy_after(private, mode_changes(["-s+m"], INSPIRCD)) == {"k"}
    assert privacy_after(frozenset({"k"}), mode_changes(["-k", "key"], INSPIRCD)) == frozenset()


# --- the snapshots other threads read ---


def test_a_channel_configured_with_a_key_is_private_until_the_server_says_otherwise():
    channels = Channels([ChannelSetting("#keyed", "s3cret"), ChannelSetting("#dev")], str.lower)
    assert (channels.is_private("#keyed"), channels.is_private("#dev")) == (True, None)
    assert channels.set_privacy("#keyed", frozenset()) is False  # first sighting: told
    assert channels.is_private("#KEYED") is False
    assert channels.set_privacy("#keyed", frozenset()) is None  # no change: not told again


def test_privacy_is_forgotten_on_leaving_and_on_a_disconnect():
    channels = Channels([ChannelSetting("#a"), ChannelSetting("#b")], str.lower)
    channels.set_privacy("#a", frozenset("s"))
    channels.set_privacy("#b", frozenset("p"))
    channels.forget_privacy("#a")
    assert (channels.is_private("#a"), channels.is_private("#b")) == (None, True)
    channels.disconnected()
    assert channels.is_private("#b") is None


def test_shares_reads_a_whole_membership_from_another_thread():
    tracker = AccountTracker()
    tracker.bot_joined("#secret")
    stop, wrong = threading.Event(), []

    def read() -> None:
        while not stop.is_set():
            if tracker.shares("carol", "#secret"):
                wrong.append("carol")  # never joined

    reader = threading.Thread(target=read)
    reader.start()
    for number in range(2000):
        tracker.joined(f"u{number}", "#secret")
        tracker.left(f"u{number}", "#secret")
    stop.set()
    reader.join()
    assert wrong == []


# --- IrcBot, fed raw lines ---


@pytest.fixture
def bot(store) -> Iterator[IrcBot]:
    """An IrcBot configured for #dev and #secret, told InspIRCd's channel modes; it sends nothing of its own."""
    with bot_on_a_socket_pair(make_core(store), channels=("#dev", "#secret")) as bot:
        feed(bot, ":irc.test 005 sbot CHANMODES=IXbeg,k,FHJLfjl,ACKMNOPQRSTcimnprstz PREFIX=(Yqaohv)!~&@%+ :supported")
        yield bot


def told(bot: IrcBot) -> list[tuple[str, bool]]:
    heard: list[tuple[str, bool]] = []
    bot.on_channel_privacy.append(lambda channel, private: heard.append((channel, private)))
    return heard


SBOT = ":sbot!~sbot@bot.test"


def test_after_joining_the_bot_asks_for_the_modes_and_learns_the_channel_is_secret(bot):
    heard = told(bot)
    assert "MODE #secret" in feed(bot, f"{SBOT} JOIN #secret")
    assert bot.is_private("#secret") is None  # not known yet: the core falls back on what is stored
    feed(bot, ":irc.test 324 sbot #secret +nst")
    assert bot.is_private("#Secret") is True
    assert heard == [("#secret", True)]


def test_a_key_set_and_removed_later_is_followed_and_each_change_told_once(bot):
    heard = told(bot)
    feed(bot, f"{SBOT} JOIN #dev", ":irc.test 324 sbot #dev +nt")
    feed(bot, ":op!~op@op.test MODE #dev +lk 20 s3cret")
    assert bot.is_private("#dev") is True
    feed(bot, ":op!~op@op.test MODE #dev +m")  # still keyed: nothing new to tell
    feed(bot, ":op!~op@op.test MODE #dev -k s3cret")
    assert bot.is_private("#dev") is False
    assert heard == [("#dev", False), ("#dev", True), ("#dev", False)]


def test_a_mode_change_before_the_modes_are_known_tells_only_of_privacy(bot):
    heard = told(bot)
    feed(bot, f"{SBOT} JOIN #dev", ":op!~op@op.test MODE #dev +o alice")
    assert bot.is_private("#dev") is None and heard == []  # "public" waits for the 324
    feed(bot, ":op!~op@op.test MODE #dev +p")
    assert heard == [("#dev", True)]


def test_modes_of_a_channel_the_bot_left_are_forgotten(bot):
    feed(bot, f"{SBOT} JOIN #secret", ":irc.test 324 sbot #secret +s")
    feed(bot, f"{SBOT} PART #secret :bye")
    assert bot.is_private("#secret") is None
    feed(bot, ":op!~op@op.test MODE #secret -s")  # not there: not told, nothing learned
    assert bot.is_private("#secret") is None


def test_membership_follows_names_join_part_kick_quit_and_nick(bot):
    feed(bot, f"{SBOT} JOIN #secret", ":irc.test 353 sbot @ #secret :sbot @alice +bob")
    assert bot.is_member("alice", "#SECRET") and bot.is_member("bob", "#secret")
    assert not bot.is_member("carol", "#secret") and not bot.is_member("alice", "#dev")
    feed(bot, ":carol!~c@c.test JOIN #secret")
    assert bot.is_member("carol", "#secret")
    feed(bot, ":alice!~a@a.test PART #secret", ":op!~op@op.test KICK #secret bob :out")
    assert not bot.is_member("alice", "#secret") and not bot.is_member("bob", "#secret")
    feed(bot, ":carol!~c@c.test NICK carla")
    assert bot.is_member("carla", "#secret") and not bot.is_member("carol", "#secret")
    feed(bot, ":carla!~c@c.test QUIT :gone")
    assert not bot.is_member("carla", "#secret")


def test_nobody_is_a_member_of_a_channel_the_bot_is_not_in(bot):
    feed(bot, ":irc.test 353 sbot @ #elsewhere :alice", ":alice!~a@a.test JOIN #elsewhere")
    assert not bot.is_member("alice", "#elsewhere")


def test_the_casemapping_is_the_servers(bot):
    feed(bot, f"{SBOT} JOIN #a[b]", ":irc.test 353 sbot = #a[b] :Alice^")
    assert bot.is_member("alice~", "#A{B}") and irc.strings.lower("#A[B]") == "#a{b}"

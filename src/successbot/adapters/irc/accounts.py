"""Who the bot can see, and which services account each of them is logged in to.

An account learned from extended-join, account-notify or WHOIS stays true
only while the server would tell the bot when it changes: that is, while the
user shares a channel with the bot. Once the last shared channel is gone the
bot no longer sees that user's QUIT, NICK or ACCOUNT, and someone else may
hold the nick a moment later. So an entry lives exactly as long as a shared
channel does, and anyone else's account is unknown (ask WHOIS).

It knows nothing of sockets or of the irc library: the connection feeds it
events (its own and others' JOIN, PART, KICK, QUIT, NICK, ACCOUNT, NAMES,
WHOIS answers) and asks ``account_of``. It lives on the connection's thread.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

_RFC1459 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\^", "abcdefghijklmnopqrstuvwxyz{}|~")
# Status prefixes in NAMES (PREFIX=(qaohv)~&@%+); none of them may start a nick.
NAMES_PREFIXES = "~&@%+"


def rfc1459_lower(name: str) -> str:
    """IRC's ``rfc1459`` casemapping (the default, and the test network's): ``[]\\^`` are upper case of ``{}|~``."""
    return name.translate(_RFC1459)


class Unknown(enum.Enum):
    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN
"""A speaker whose account the bot cannot vouch for now: ask the server (WHOIS)."""

Account = str | None | Literal[Unknown.UNKNOWN]
"""An account name, None (known to be logged out), or UNKNOWN."""


def account_named(value: str) -> str | None:
    """The account in an extended-join or ACCOUNT line: ``*`` means logged out."""
    return None if value in ("*", "") else value


def nicks_in_names(text: str, prefixes: str = "") -> list[str]:
    """The nicks in a NAMES (353) list, without status prefixes (multi-prefix) or ``!user@host`` (userhost-in-names).

    ``prefixes``: the server's own (ISUPPORT PREFIX), on top of the usual ones.
    """
    nicks = (token.lstrip(prefixes + NAMES_PREFIXES).partition("!")[0] for token in text.split())
    return [nick for nick in nicks if nick]


@dataclass
class _Seen:
    # Replaced whole at each change, so that ``shares`` may read it from another thread.
    channels: frozenset[str] = frozenset()
    account: Account = UNKNOWN


class AccountTracker:
    """The users who share a channel with the bot, each with the channels shared and the account.

    Nicks and channels compare by ``lower`` (the server's casemapping). The bot
    itself is not a member here: the connection leaves its own nick out.
    """

    def __init__(self, lower: Callable[[str], str] = rfc1459_lower) -> None:
        self._lower = lower
        self._channels: set[str] = set()  # the bot's own
        self._seen: dict[str, _Seen] = {}

    # --- questions ---

    def account_of(self, nick: str) -> Account:
        """The account ``nick`` is logged in to, None when known to be logged out, UNKNOWN when not seen."""
        seen = self._seen.get(self._lower(nick))
        return UNKNOWN if seen is None else seen.account

    def sees(self, nick: str) -> bool:
        """Whether ``nick`` shares a channel with the bot, so that the bot hears its QUIT, NICK and ACCOUNT."""
        return self._lower(nick) in self._seen

    def shares(self, nick: str, channel: str) -> bool:
        """Whether ``nick`` is in ``channel`` now, with the bot; safe from any thread (one lookup, a frozen set)."""
        seen = self._seen.get(self._lower(nick))
        return seen is not None and self._lower(channel) in seen.channels

    def channels_of(self, nick: str) -> frozenset[str]:
        """The channels (lower-cased) that ``nick`` shares with the bot."""
        seen = self._seen.get(self._lower(nick))
        return frozenset(seen.channels) if seen else frozenset()

    @property
    def bot_channels(self) -> frozenset[str]:
        return frozenset(self._channels)

    def __len__(self) -> int:
        return len(self._seen)

    # --- the bot's own membership ---

    def bot_joined(self, channel: str) -> None:
        self._channels.add(self._lower(channel))

    def bot_left(self, channel: str) -> None:
        """The bot parted or was kicked: members seen only in ``channel`` are no longer seen."""
        key = self._lower(channel)
        self._channels.discard(key)
        for nick in [nick for nick, seen in self._seen.items() if key in seen.channels]:
            self._leave(nick, key)

    def reset(self) -> None:
        """Disconnected: nothing the bot saw holds any more."""
        self._channels.clear()
        self._seen.clear()

    # --- others ---

    def joined(self, nick: str, channel: str, account: Account = UNKNOWN) -> None:
        """``nick`` joined ``channel``; ``account`` from extended-join, else UNKNOWN (a seen user keeps theirs)."""
        key = self._lower(channel)
        if key not in self._channels:
            return  # the server only tells us of channels we are in; anything else would grow the map
        seen = self._seen.setdefault(self._lower(nick), _Seen())
        seen.channels = seen.channels | {key}
        if account is not UNKNOWN:
            seen.account = account

    def names(self, channel: str, nicks: Iterable[str]) -> None:
        """A NAMES reply: these are in ``channel`` already; their accounts stay unknown until told."""
        for nick in nicks:
            self.joined(nick, channel)

    def left(self, nick: str, channel: str) -> None:
        """``nick`` parted or was kicked from ``channel``."""
        self._leave(self._lower(nick), self._lower(channel))

    def quit(self, nick: str) -> None:
        self._seen.pop(self._lower(nick), None)

    def renamed(self, old: str, new: str) -> None:
        """A NICK: the same user, still seen, keeps the account under the new nick."""
        seen = self._seen.pop(self._lower(old), None)
        self._seen.pop(self._lower(new), None)  # whoever we thought held it is gone
        if seen is not None:
            self._seen[self._lower(new)] = seen

    def account_changed(self, nick: str, account: str | None) -> None:
        """account-notify: ``nick`` logged in to ``account``, or out (None)."""
        seen = self._seen.get(self._lower(nick))
        if seen is not None:
            seen.account = account

    def learned(self, nick: str, account: str | None) -> bool:
        """A WHOIS (or WHOX) answer; kept only for a seen nick, whose changes the bot will hear. True when kept."""
        seen = self._seen.get(self._lower(nick))
        if seen is None:
            return False
        seen.account = account
        return True

    def _leave(self, nick: str, channel: str) -> None:
        seen = self._seen.get(nick)
        if seen is None:
            return
        seen.channels = seen.channels - {channel}
        if not seen.channels:
            del self._seen[nick]

"""Channels whose successes stay in them: keyed, secret or private ones (``+k``, ``+s``, ``+p`` on IRC).

Such a channel's successes are listed only there, or privately to someone in
it now (or an admin), and the pages and default exports leave them out unless
``[export] channels`` names the channel. Whether a channel is private comes
from the chat adapter while it is there (``ports.ChannelFacts``) and else
from what the bot stored when it last saw the modes
(``ports.ChannelPrivacyStore``), which the publisher reads too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from successbot.core.successes import Success

# IRC's rfc1459 casemapping, the default: []\^ are the upper case of {}|~.
_RFC1459 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\^", "abcdefghijklmnopqrstuvwxyz{}|~")


def channel_key(name: str) -> str:
    """A channel's name as channels compare: ``#Dev`` and ``#dev`` are one channel."""
    return name.translate(_RFC1459)


@dataclass(frozen=True)
class HiddenChannels:
    """What a public output leaves out: the channels stored as private, less those published anyway."""

    private: frozenset[str] = frozenset()  # channel keys
    published: frozenset[str] = frozenset()  # channel keys that [export] channels names

    @classmethod
    def of(cls, private: Iterable[str], published: Iterable[str] = ()) -> HiddenChannels:
        return cls(frozenset(map(channel_key, private)), frozenset(map(channel_key, published)))

    def hides(self, channel: str) -> bool:
        key = channel_key(channel)
        return key in self.private and key not in self.published

    def visible(self, successes: Iterable[Success]) -> list[Success]:
        return [success for success in successes if not self.hides(success.channel)]

    def __bool__(self) -> bool:
        return bool(self.private - self.published)


NOTHING_HIDDEN = HiddenChannels()

"""What a public output may show: a success store seen without the channels that keep their successes to themselves.

A keyed, secret or private channel (as the bot stored it when it saw the
modes) is left out of the published pages and the default exports, unless
``[export] channels`` names it. Which channels are private is read again
at every query, so a channel that turns private is gone from the next page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from successbot.core.ports import ChannelPrivacyStore, SuccessStore
from successbot.core.privacy import NOTHING_HIDDEN, HiddenChannels
from successbot.core.successes import SUCCESS, NewSuccess, Success


def hidden_channels(privacy: ChannelPrivacyStore | None, published: Sequence[str] = ()) -> HiddenChannels:
    """The channels stored as private, less those ``published`` names (``[export] channels``)."""
    if privacy is None:
        return NOTHING_HIDDEN
    return HiddenChannels.of(privacy.private_channels(), published)


class PublicSuccesses:
    """``SuccessStore`` whose reads leave out the channels ``hidden()`` names; writes pass through."""

    def __init__(self, store: SuccessStore, hidden: Callable[[], HiddenChannels]) -> None:
        self.store, self.hidden = store, hidden

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        channel: str | None = None,
        network: str | None = None,
        include_deleted: bool = False,
        kind: str | None = SUCCESS,
    ) -> Sequence[Success]:
        found = self.store.between(
            start, end, channel=channel, network=network, include_deleted=include_deleted, kind=kind
        )
        return self.hidden().visible(found)

    def latest(self, limit: int, *, kind: str | None = SUCCESS) -> Sequence[Success]:
        hidden, asked = self.hidden(), limit
        while True:  # ask for more until enough are visible or the store has no more
            found = self.store.latest(asked, kind=kind)
            visible = hidden.visible(found)
            if len(visible) >= limit or len(found) < asked:
                return visible[:limit]
            asked *= 4

    def recent(self, channel: str, limit: int, *, kind: str = SUCCESS) -> Sequence[Success]:
        return [] if self.hidden().hides(channel) else self.store.recent(channel, limit, kind=kind)

    def get(self, success_id: int) -> Success | None:
        success = self.store.get(success_id)
        return None if success is None or self.hidden().hides(success.channel) else success

    def add(self, new: NewSuccess) -> Success:
        return self.store.add(new)

    def mark_deleted(self, success_id: int, by: str, at: datetime) -> Success:
        return self.store.mark_deleted(success_id, by, at)

    def restore(self, success_id: int) -> Success:
        return self.store.restore(success_id)

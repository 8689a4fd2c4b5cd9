"""The channels the bot is configured for, and where it is now.

Only the connection's thread changes them. ``present`` is a frozen snapshot,
replaced whole at every change, so another thread (the announcer asking
whether it may post) reads a consistent answer without a lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from successbot.config import ChannelSetting


@dataclass
class ChannelState:
    setting: ChannelSetting
    joined: bool = False
    abandoned: str | None = None  # why the bot stopped trying

    @property
    def join_line(self) -> str:
        key = f" {self.setting.key}" if self.setting.key else ""
        return f"JOIN {self.setting.name}{key}"


class Channels:
    def __init__(self, settings: Iterable[ChannelSetting], lower: Callable[[str], str]) -> None:
        self.lower = lower
        self._states = {lower(setting.name): ChannelState(setting) for setting in settings}
        self.present: frozenset[str] = frozenset()  # the channels the bot is in, by lower-cased name

    def get(self, name: str) -> ChannelState | None:
        return self._states.get(self.lower(name))

    def __iter__(self):
        return iter(self._states.values())

    def is_configured(self, name: str) -> bool:
        return self.lower(name) in self._states

    def is_in(self, name: str) -> bool:
        """Whether the bot is in ``name`` now; safe from any thread."""
        return self.lower(name) in self.present

    def to_join(self) -> list[ChannelState]:
        return [state for state in self._states.values() if not state.joined and state.abandoned is None]

    def joined(self, name: str) -> bool:
        """The bot joined ``name``; True once every channel is joined or given up (the connection is whole)."""
        state = self.get(name)
        if state is not None:
            state.joined = True
        self._snapshot()
        return all(state.joined or state.abandoned for state in self._states.values())

    def left(self, name: str) -> ChannelState | None:
        """The bot parted or was kicked from ``name``."""
        state = self.get(name)
        if state is not None:
            state.joined = False
        self._snapshot()
        return state

    def refused(self, name: str, why: str) -> ChannelState | None:
        """The server refused a JOIN for a reason that will not pass by itself: stop trying."""
        state = self.get(name)
        if state is not None:
            state.abandoned = why
        return state

    def may_retry(self, why: str) -> None:
        """Channels given up for ``why`` (only for registered nicks, say) may be tried again: the bot logged in."""
        for state in self._states.values():
            if state.abandoned == why:
                state.abandoned = None

    def disconnected(self) -> None:
        for state in self._states.values():
            state.joined = False
        self._snapshot()

    def _snapshot(self) -> None:
        self.present = frozenset(key for key, state in self._states.items() if state.joined)

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
        # The privacy modes (k, s, p) of each channel the bot is in, once the server said them (324 or MODE);
        # any channel, configured or not. Replaced whole at each change, like ``present``.
        self.privacy: dict[str, frozenset[str]] = {}

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
        self.privacy = {}

    # --- privacy: keyed, secret or private (+k, +s, +p) ---

    def is_private(self, name: str) -> bool | None:
        """Keyed, secret or private as the server last said; None when unknown. Safe from any thread.

        A channel configured with a key is keyed until the server says otherwise.
        """
        modes = self.privacy.get(self.lower(name))
        if modes is not None:
            return bool(modes)
        state = self.get(name)
        return True if state is not None and state.setting.key else None

    def knows_modes(self, name: str) -> bool:
        return self.lower(name) in self.privacy

    def modes_known(self, name: str) -> frozenset[str]:
        """The privacy modes known for ``name`` (none yet: empty), to apply a MODE change to."""
        return self.privacy.get(self.lower(name), frozenset())

    def set_privacy(self, name: str, modes: frozenset[str]) -> bool | None:
        """The server said ``name``'s privacy modes: its new privacy if that changed (or was unknown), else None."""
        before = self.privacy.get(self.lower(name))
        self.privacy = {**self.privacy, self.lower(name): modes}
        return bool(modes) if before is None or bool(before) != bool(modes) else None

    def forget_privacy(self, name: str) -> None:
        """The bot left ``name``: what it knew of the modes may change unseen."""
        if self.lower(name) in self.privacy:
            self.privacy = {key: modes for key, modes in self.privacy.items() if key != self.lower(name)}

    def _snapshot(self) -> None:
        self.present = frozenset(key for key, state in self._states.items() if state.joined)

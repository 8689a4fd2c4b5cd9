"""Channel modes as the server states them (324 RPL_CHANNELMODEIS, MODE): which make a channel private.

A keyed (``+k``), secret (``+s``) or private (``+p``) channel keeps its
successes to itself. To read a MODE line right, the modes that take an
argument must be known: ISUPPORT ``CHANMODES=A,B,C,D`` says so (A: lists
such as bans, and B: settings such as the key, take one whenever set or
unset; C: such as the limit, only when set; D: never), and ``PREFIX`` adds
the member statuses (``+o nick``). Without them, RFC 2811's sets apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PRIVACY_MODES = frozenset("ksp")
RFC2811_CHANMODES = ("beI", "k", "l", "imnpst")
RFC2811_PREFIX_MODES = "ov"


@dataclass(frozen=True)
class ModeSyntax:
    always: str  # the modes with an argument when set and when unset (CHANMODES A and B, and PREFIX)
    when_set: str  # those with one only when set (CHANMODES C)

    @classmethod
    def from_isupport(cls, chanmodes: Sequence[str] | None, prefix_modes: Iterable[str] = "") -> ModeSyntax:
        groups = [*(chanmodes or RFC2811_CHANMODES), "", "", ""]
        prefixes = "".join(prefix_modes) or RFC2811_PREFIX_MODES
        return cls(always=groups[0] + groups[1] + prefixes, when_set=groups[2])

    def takes_argument(self, mode: str, adding: bool) -> bool:
        return mode in self.always or (adding and mode in self.when_set)


RFC2811 = ModeSyntax.from_isupport(None)


def mode_changes(words: Sequence[str], syntax: ModeSyntax = RFC2811) -> list[tuple[bool, str, str | None]]:
    """``["+kl-s", "key", "10"]`` → ``[(True, "k", "key"), (True, "l", "10"), (False, "s", None)]``.

    Several mode words may follow one another (``+s +k key``); an argument the
    line lacks (a server that hides a key) is None.
    """
    changes: list[tuple[bool, str, str | None]] = []
    pending = list(words)
    while pending:
        word = pending.pop(0)
        if word[:1] not in ("+", "-"):
            continue  # an argument no mode took (a syntax we do not know): never read as modes
        adding = True
        for char in word:
            if char in "+-":
                adding = char == "+"
                continue
            argument = pending.pop(0) if syntax.takes_argument(char, adding) and len(pending) > 0 else None
            changes.append((adding, char, argument))
    return changes


def privacy_after(current: frozenset[str], changes: Iterable[tuple[bool, str, str | None]]) -> frozenset[str]:
    """The privacy modes set once ``changes`` apply to ``current``."""
    now = set(current)
    for adding, mode, _argument in changes:
        if mode in PRIVACY_MODES:
            (now.add if adding else now.discard)(mode)
    return frozenset(now)

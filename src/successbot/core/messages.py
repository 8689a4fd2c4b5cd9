"""What comes into the core and what it sends back: plain values, no sockets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Message:
    """One line someone said, as the adapter (IRC or console) saw it.

    ``channel`` is None for a private message. ``account`` is the speaker's
    services account when the network told us (account-tag, WHOIS), else None.
    ``userhost`` is ``user@host`` when known, else None. ``server_time`` is the
    server's timestamp of the line when it sent one (IRCv3 server-time).
    """

    text: str
    nick: str
    channel: str | None = None
    account: str | None = None
    userhost: str | None = None
    network: str = ""
    server_time: datetime | None = None

    @property
    def is_private(self) -> bool:
        return self.channel is None

    @property
    def reply_target(self) -> str:
        return self.channel if self.channel is not None else self.nick


@dataclass(frozen=True)
class Acknowledgement:
    """What an acknowledgement confirms: success ``success_id``, recorded for ``nick``.

    Carried by the ``Reply`` that says it, so that an adapter whose output is
    paced may merge several waiting ones for one channel into one line
    (``acknowledgement_text`` words both).
    """

    success_id: int
    nick: str
    page_url: str | None = None
    cut_at: int | None = None  # the text was cut to this many characters: the speaker is told, so it is never merged
    kind: str = "success"  # or "thanks": only acknowledgements of one kind share a line


def acknowledgement_text(acks: Sequence[Acknowledgement]) -> str:
    """``alice: Added success #12 to URL``; for several, ``alice, bob: Added successes #12, #13``.

    A thanks: ``alice: Added thanks #14``. All of ``acks`` are of one kind.

    Each nick is named once, in the order given; the ids are in ascending
    order. The page is named when all of them share one.
    """
    if not acks:
        raise ValueError("nothing to acknowledge")
    nicks = list(dict.fromkeys(ack.nick for ack in acks))  # first seen first, no repeats
    ids = sorted({ack.success_id for ack in acks})
    pages = {ack.page_url for ack in acks}
    page = pages.pop() if len(pages) == 1 else None
    kinds = {ack.kind for ack in acks}
    if len(kinds) != 1:
        raise ValueError("successes and thanks are acknowledged apart")
    kind = kinds.pop()
    noun = kind if len(ids) == 1 or kind == "thanks" else "successes"
    numbers = ", ".join(f"#{number}" for number in ids)
    cut = f" (cut at {acks[0].cut_at} characters)" if len(acks) == 1 and acks[0].cut_at else ""
    return f"{', '.join(nicks)}: Added {noun} {numbers}" + (f" to {page}" if page else "") + cut


@dataclass(frozen=True)
class Reply:
    """One line to send: to a channel or a nick, as PRIVMSG or NOTICE.

    ``acknowledges`` is set when the line confirms a recorded success.
    """

    target: str
    text: str
    notice: bool = False
    acknowledges: Acknowledgement | None = None

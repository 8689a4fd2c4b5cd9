"""What comes into the core and what it sends back: plain values, no sockets."""

from __future__ import annotations

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
class Reply:
    """One line to send: to a channel or a nick, as PRIVMSG or NOTICE."""

    target: str
    text: str
    notice: bool = False

"""The command table: each command declared once, with its trigger, help and worked examples.

The same declaration drives the dispatcher, ``!help`` and the tests that
replay every example (as Sopel does with its plugin examples). A handler is
given a ``Request``: the message, its time, and the ``Services`` it may use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from successbot.core.messages import Acknowledgement, Message, Reply, acknowledgement_text
from successbot.core.ports import ChannelFacts, ChannelPrivacyStore, ScheduleService, SuccessStore
from successbot.core.privacy import channel_key
from successbot.core.successes import Success

log = logging.getLogger(__name__)

HASHTAG = "#"


@dataclass(frozen=True)
class Example:
    """A message and the bot's exact reply, shown by !help and replayed by the tests."""

    said: str
    reply: str


def no_page(_instant: datetime) -> str | None:
    return None


@dataclass(frozen=True)
class Services:
    """What command handlers may use besides the message."""

    successes: SuccessStore
    commands: CommandTable
    command_prefix: str
    admins: frozenset[str]
    schedule: ScheduleService | None = None  # None: no schedule commands' data
    # The URL of the published page of the week containing an instant, if pages are published.
    week_page_url: Callable[[datetime], str | None] = no_page
    # Told about every committed add, delete and restore (the app republishes the pages).
    on_change: Callable[[Success], None] | None = None
    # #success and #thanks only from someone logged in to services ([permissions] require_account_for_success).
    require_account_for_success: bool = False
    # Which channels are private (+k, +s, +p): the adapter's live view, else what the bot stored.
    channel_facts: ChannelFacts | None = None
    channel_privacy: ChannelPrivacyStore | None = None

    def is_private(self, channel: str) -> bool:
        """Whether ``channel``'s successes stay in it: as the adapter sees it now, else as last stored."""
        live = self.channel_facts.is_private(channel) if self.channel_facts is not None else None
        if live is not None:
            return live
        if self.channel_privacy is None:
            return False
        return channel_key(channel) in {channel_key(name) for name in self.channel_privacy.private_channels()}

    def is_member(self, nick: str, channel: str) -> bool:
        return self.channel_facts is not None and self.channel_facts.is_member(nick, channel)

    def is_admin(self, account: str | None) -> bool:
        """Admins are services accounts; a nick alone never counts."""
        return account is not None and account.casefold() in self.admins

    def changed(self, success: Success) -> None:
        """Pass a committed change on; whatever goes wrong there is logged and never reaches the reply."""
        if self.on_change is None:
            return
        try:
            self.on_change(success)
        except Exception:
            log.exception("after the change to success #%s, on_change failed", success.id)


def admin_set(accounts: tuple[str, ...] | list[str]) -> frozenset[str]:
    return frozenset(account.casefold() for account in accounts)


@dataclass(frozen=True)
class Request:
    """What a command handler gets: the message, the time, the words after the trigger."""

    message: Message
    now: datetime
    args: str
    services: Services

    def to_speaker(self, text: str) -> str:
        """``text`` addressed to the speaker: prefixed with their nick in a channel."""
        return text if self.message.is_private else f"{self.message.nick}: {text}"

    def acknowledge(
        self, success_id: int, page_url: str | None = None, cut_at: int | None = None, kind: str = "success"
    ) -> Reply:
        """The reply confirming success (or thanks) ``success_id`` to the speaker, marked as such for the adapter."""
        ack = Acknowledgement(success_id, self.message.nick, page_url, cut_at, kind)
        return Reply(self.message.reply_target, acknowledgement_text([ack]), acknowledges=ack)


# A handler returns lines for the speaker's channel (or them, in private), or whole Replies.
Handler = Callable[[Request], Sequence[str | Reply]]


@dataclass(frozen=True)
class Command:
    """``trigger`` is ``#success`` for the hashtag, else the words after the prefix (``success delete``)."""

    trigger: str
    handler: Handler
    args: str
    summary: str
    examples: tuple[Example, ...] = ()
    admin_only: bool = False
    # Whether the handler decides by the speaker's services account, so an
    # adapter without account tags must look it up (WHOIS) before dispatching;
    # a function of the services when that depends on the configuration.
    needs_account: bool | Callable[[Services], bool] = False

    def decides_by_account(self, services: Services) -> bool:
        if self.admin_only:
            return True
        return self.needs_account(services) if callable(self.needs_account) else self.needs_account

    @property
    def is_hashtag(self) -> bool:
        return self.trigger.startswith(HASHTAG)

    def usage(self, prefix: str) -> str:
        shown = self.trigger if self.is_hashtag else prefix + self.trigger
        return f"{shown} {self.args}".rstrip()


def command(
    trigger: str,
    *,
    args: str = "",
    summary: str,
    examples: Iterable[Example] = (),
    admin_only: bool = False,
    needs_account: bool | Callable[[Services], bool] = False,
) -> Callable[[Handler], Command]:
    """Declare a command: the decorated handler becomes a ``Command``."""

    def declare(handler: Handler) -> Command:
        return Command(trigger, handler, args, summary, tuple(examples), admin_only, needs_account)

    return declare


@dataclass(frozen=True)
class Match:
    command: Command
    args: str


@dataclass
class CommandTable:
    commands: Sequence[Command]
    _by_trigger: dict[str, Command] = field(init=False)
    _hashtags: list[tuple[re.Pattern[str], Command]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_trigger = {}
        for cmd in self.commands:
            if cmd.trigger in self._by_trigger:
                raise ValueError(f"two commands declare the trigger {cmd.trigger!r}")
            self._by_trigger[cmd.trigger] = cmd
        # Compiled once: every line said in a channel is matched against them.
        self._hashtags = [
            (re.compile(rf"{re.escape(cmd.trigger)}(?:\s+|$)", re.IGNORECASE), cmd)
            for cmd in self.commands
            if cmd.is_hashtag
        ]

    def find(self, words: str) -> Command | None:
        """The command named by ``words`` (``successes``, ``!successes``, ``#success``), if any."""
        return self._by_trigger.get(_normalise(words))

    def family(self, word: str) -> list[Command]:
        """Two-word commands whose first word is ``word``: ``success`` → delete, undelete."""
        word = _normalise(word)
        return [cmd for cmd in self.commands if cmd.trigger.startswith(word + " ")]

    def family_named(self, text: str, prefix: str) -> list[Command]:
        """For ``!success frobnicate``: the ``success …`` commands, to show their usage."""
        if not text.startswith(prefix):
            return []
        words = text[len(prefix) :].split(None, 1)
        return self.family(words[0]) if words and not text[len(prefix)].isspace() else []

    def match(self, text: str, prefix: str) -> Match | None:
        """The command ``text`` invokes and its arguments; None when it invokes none of ours."""
        for pattern, cmd in self._hashtags:
            if found := pattern.match(text):
                return Match(cmd, text[found.end() :])
        if not text.startswith(prefix) or len(text) == len(prefix):
            return None
        words = text[len(prefix) :].split(None, 2)
        if not words or text[len(prefix)].isspace():
            return None
        first = words[0].lower()
        if len(words) > 1 and (cmd := self._by_trigger.get(f"{first} {words[1].lower()}")):
            return Match(cmd, words[2] if len(words) > 2 else "")
        if cmd := self._by_trigger.get(first):
            return Match(cmd, text[len(prefix) :].split(None, 1)[1] if len(words) > 1 else "")
        return None


def _normalise(words: str) -> str:
    cleaned = " ".join(words.lower().split())
    if cleaned.startswith(HASHTAG):
        return cleaned
    return cleaned.lstrip("!.?@$%&*~+=-")

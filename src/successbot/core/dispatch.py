"""The command core: a message and the time in, replies out. No sockets, no clock.

Adapters (IRC, console, tests) build a ``Message``, call ``Core.handle`` with
the current time, and send the replies it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from successbot.core.commands import CommandTable, Request
from successbot.core.messages import Message, Reply
from successbot.publishing.page_urls import week_page_url
from successbot.core.successes import StorageError, Success, SuccessStore

if TYPE_CHECKING:
    from successbot.schedules.sources import ScheduleService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """What command handlers may use besides the message."""

    successes: SuccessStore
    commands: CommandTable
    command_prefix: str
    admins: frozenset[str]
    schedule: ScheduleService | None = None  # None: no schedule commands' data
    # Where the published pages are served ([export] url, ending in /), if anywhere.
    site_url: str | None = None
    # Told about every committed add, delete and restore (the app republishes the pages).
    on_change: Callable[[Success], None] | None = None

    def is_admin(self, account: str | None) -> bool:
        """Admins are services accounts; a nick alone never counts."""
        return account is not None and account.casefold() in self.admins

    def week_page_url(self, instant: datetime) -> str | None:
        return None if self.site_url is None else week_page_url(self.site_url, instant)

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


class Core:
    def __init__(self, services: Services) -> None:
        self.services = services

    def needs_account(self, text: str) -> bool:
        """Whether ``text`` invokes a command that decides by services account."""
        match = self.services.commands.match(text, self.services.command_prefix)
        return match is not None and (match.command.needs_account or match.command.admin_only)

    def handle(self, message: Message, now: datetime) -> list[Reply]:
        """The replies to ``message``; [] when it is not for us.

        ``now`` is the time of the message (the server's time when it sent one).
        Nothing raised by a command escapes: the speaker gets one short line.
        """
        table, prefix = self.services.commands, self.services.command_prefix
        match = table.match(message.text, prefix)
        if match is None:
            family = table.family_named(message.text, prefix)
            if not family:
                return []  # other bots share the channel: unknown words get silence
            usages = " | ".join(cmd.usage(prefix) for cmd in family)
            return self._reply(message, f"Usage: {usages}")
        request = Request(message=message, now=now, args=match.args.strip(), services=self.services)
        try:
            lines = match.command.handler(request)
        except StorageError as error:
            log.error("database error in %s: %s", match.command.trigger, error)
            lines = [request.to_speaker("Sorry, the database is unavailable right now; nothing was changed.")]
        except Exception:
            log.exception("command %s failed on %r", match.command.trigger, message.text)
            lines = [request.to_speaker("Sorry, that went wrong on my side; it has been logged.")]
        return [Reply(message.reply_target, line) for line in lines]

    @staticmethod
    def _reply(message: Message, text: str) -> list[Reply]:
        addressed = text if message.is_private else f"{message.nick}: {text}"
        return [Reply(message.reply_target, addressed)]

"""The command core: a message and the time in, replies out. No sockets, no clock.

Adapters (IRC, console, tests) build a ``Message``, call ``Core.handle`` with
the current time, and send the replies it returns.
"""

from __future__ import annotations

import logging
from datetime import datetime

from successbot.core.commands import Request, Services
from successbot.core.messages import Message, Reply
from successbot.core.ports import StorageError

log = logging.getLogger(__name__)


class Core:
    def __init__(self, services: Services) -> None:
        self.services = services

    def is_for_us(self, text: str) -> bool:
        """Whether ``handle`` could answer ``text`` at all: a command of ours, or a word of a two-word one.

        Pure and quick, for an adapter to leave the rest of a channel's talk where it is.
        """
        table, prefix = self.services.commands, self.services.command_prefix
        return table.match(text, prefix) is not None or bool(table.family_named(text, prefix))

    def needs_account(self, text: str) -> bool:
        """Whether ``text`` invokes a command that decides by services account."""
        match = self.services.commands.match(text, self.services.command_prefix)
        return match is not None and match.command.decides_by_account(self.services)

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
        return [line if isinstance(line, Reply) else Reply(message.reply_target, line) for line in lines]

    @staticmethod
    def _reply(message: Message, text: str) -> list[Reply]:
        addressed = text if message.is_private else f"{message.nick}: {text}"
        return [Reply(message.reply_target, addressed)]

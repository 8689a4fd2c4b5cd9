"""The console adapter: type messages at a terminal (or pipe them in), same core as IRC.

Lines starting with ``/`` change who is speaking and where (``/nick``,
``/join``, ``/account``, ``/msg``); everything else is said in the current
channel.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TextIO

from successbot.core.clock import Clock
from successbot.core.dispatch import Core
from successbot.core.messages import Message, Reply
from successbot.core.ports import Delivery

log = logging.getLogger(__name__)

CONSOLE_NETWORK = "console"

HELP = (
    "Console commands: /nick NAME, /join #CHANNEL, /account NAME (or /account - to log out), "
    "/msg TEXT (say TEXT to the bot privately), /quit. Anything else is said in the channel."
)


@dataclass(frozen=True)
class Speaker:
    nick: str
    channel: str
    account: str | None

    @property
    def userhost(self) -> str:
        return f"{self.nick}@console"


class Console:
    def __init__(self, core: Core, clock: Clock, bot_nick: str, speaker: Speaker, output: TextIO) -> None:
        self.core, self.clock, self.bot_nick = core, clock, bot_nick
        self.speaker, self.output = speaker, output
        self._output_lock = threading.Lock()

    def message(self, text: str, private: bool = False) -> Message:
        return Message(
            text=text,
            nick=self.speaker.nick,
            channel=None if private else self.speaker.channel,
            account=self.speaker.account,
            userhost=self.speaker.userhost,
            network=CONSOLE_NETWORK,
        )

    def say(self, text: str, private: bool = False) -> list[Reply]:
        replies = self.core.handle(self.message(text, private), self.clock.now())
        for reply in replies:
            self.show(reply)
        return replies

    def show(self, reply: Reply) -> None:
        to = "" if reply.target == self.speaker.channel else f"(to {reply.target}) "
        kind = "-" if reply.notice else "<"
        closing = "-" if reply.notice else ">"
        with self._output_lock:  # announcements print from the scheduler's thread
            self.output.write(f"{kind}{self.bot_nick}{closing} {to}{reply.text}\n")
            self.output.flush()

    # --- the announcer's sink ---

    network = CONSOLE_NETWORK

    def can_post(self, channel: str) -> bool:
        return True

    def post(self, channel: str, text: str, notice: bool, delivery: Delivery) -> None:
        self.show(Reply(channel, text, notice))
        delivery.written()

    def feed(self, line: str) -> bool:
        """Handle one typed line; False when the user asked to quit."""
        text = line.rstrip("\r\n")
        if text.startswith("/") and not text.startswith("//"):
            return self._console_command(text)
        if text.startswith("//"):
            text = text[1:]  # '//' says a line that starts with '/'
        if text.strip():
            self.say(text)
        return True

    def _console_command(self, text: str) -> bool:
        name, _, rest = text[1:].partition(" ")
        rest = rest.strip()
        actions: dict[str, Callable[[str], None]] = {
            "nick": lambda value: self._become(nick=value),
            "join": lambda value: self._become(channel=value),
            "account": lambda value: self._become(account=None if value in ("", "-") else value),
            "msg": self._say_privately,
            "help": lambda _value: self._note(HELP),
        }
        if name in ("quit", "exit"):
            return False
        action = actions.get(name.lower())
        if action is None:
            self._note(f"unknown console command /{name}; {HELP}")
        elif name.lower() in ("nick", "join", "msg") and not rest:
            self._note(f"/{name} needs a value")
        else:
            action(rest)
        return True

    def _say_privately(self, text: str) -> None:
        self.say(text, private=True)

    def _become(self, **changes: str | None) -> None:
        self.speaker = replace(self.speaker, **changes)  # type: ignore[arg-type]
        self._note(f"you are {self.speaker.nick} (account {self.speaker.account or 'none'}) in {self.speaker.channel}")

    def note(self, text: str) -> None:
        """A line of the console's own (``-- …``), not the bot's."""
        self._note(text)

    def _note(self, text: str) -> None:
        with self._output_lock:
            self.output.write(f"-- {text}\n")
            self.output.flush()


def run_console(console: Console, stdin: TextIO, interactive: bool) -> None:
    if interactive:
        console._note(f"successbot console: you are {console.speaker.nick} in {console.speaker.channel}. {HELP}")
    while True:
        if interactive:
            console.output.write(f"{console.speaker.channel} {console.speaker.nick}> ")
            console.output.flush()
        line = stdin.readline()
        if not line:
            break
        if not console.feed(line):
            break

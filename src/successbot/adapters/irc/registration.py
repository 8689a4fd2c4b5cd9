"""IRCv3 capability negotiation and SASL PLAIN, as a small state machine.

It knows nothing of sockets: it is fed what the server said and returns
the raw lines to send. The adapter sends ``CAP LS 302`` before NICK/USER,
so the server holds registration until ``CAP END``. After registration it
only keeps the lists up to date (``CAP NEW``/``CAP DEL``, asked for by
``cap-notify``); when to log in is ``login.Login``'s business.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

# What the bot asks for when the server offers it. cap-notify makes the server
# say CAP NEW sasl when services link after we connected (CAP 302 implies it,
# but not every server reads the spec that way).
WANTED = (
    "server-time",
    "account-tag",
    "extended-join",
    "account-notify",
    "message-tags",
    "multi-prefix",
    "cap-notify",
)
SASL_CHUNK = 400


@dataclass
class SaslCredentials:
    account: str
    password: str = field(repr=False)


def plain_lines(credentials: SaslCredentials) -> list[str]:
    """The AUTHENTICATE lines that answer the server's ``AUTHENTICATE +`` for PLAIN."""
    token = f"{credentials.account}\0{credentials.account}\0{credentials.password}".encode()
    encoded = base64.b64encode(token).decode("ascii")
    chunks = [encoded[i : i + SASL_CHUNK] for i in range(0, len(encoded), SASL_CHUNK)]
    if len(encoded) % SASL_CHUNK == 0:
        chunks.append("+")  # an exact multiple must be closed by an empty chunk
    return [f"AUTHENTICATE {chunk}" for chunk in chunks]


@dataclass
class CapNegotiation:
    sasl: SaslCredentials | None = None
    offered: dict[str, str] = field(default_factory=dict)
    enabled: set[str] = field(default_factory=set)
    pending_requests: int = 0
    sasl_state: str = "none"  # none → started → done | failed
    finished: bool = False

    def on_ls(self, args: list[str]) -> list[str]:
        """``CAP * LS [*] :caps``: collect; after the last line, request."""
        more = len(args) > 2 and args[1] == "*"
        for item in args[-1].split():
            name, _, value = item.partition("=")
            self.offered[name] = value
        if more:
            return []
        wanted = self._wanted(self.offered)
        if not wanted:
            return self._end()
        self.pending_requests = 1
        return [f"CAP REQ :{' '.join(wanted)}"]

    def on_ack(self, caps: str) -> list[str]:
        self.enabled |= {cap.lstrip("-~=") for cap in caps.split() if not cap.startswith("-")}
        self.enabled -= {cap[1:] for cap in caps.split() if cap.startswith("-")}
        if self.finished:
            return []
        return self._answered()

    def on_nak(self, caps: str) -> list[str]:
        if self.finished:
            return []  # after registration every cap is asked for alone
        names = caps.split()
        if len(names) > 1:
            # A REQ is all or nothing: ask for each one alone.
            self.pending_requests += len(names)
            return [*[f"CAP REQ :{name}" for name in names], *self._answered()]
        return self._answered()

    def on_new(self, caps: str) -> list[str]:
        """``CAP NEW``: note what is offered now; after registration, ask for what we want of it."""
        new = self._parse(caps)
        self.offered.update(new)
        if not self.finished:
            return []  # the REQ of the registration is on its way; 001 looks again
        return [f"CAP REQ :{cap}" for cap in self._wanted(new) if cap not in self.enabled]

    def on_del(self, caps: str) -> None:
        """``CAP DEL``: what the server withdrew is neither offered nor enabled any more."""
        for name in self._parse(caps):
            self.offered.pop(name, None)
            self.enabled.discard(name)

    def on_authenticate(self, argument: str) -> list[str]:
        if argument != "+" or self.sasl is None or self.sasl_state != "started":
            return []
        return plain_lines(self.sasl)

    def on_sasl_success(self) -> list[str]:
        self.sasl_state = "done"
        return self._end()

    def on_sasl_failure(self) -> list[str]:
        self.sasl_state = "failed"
        return []

    def abandon_sasl(self) -> list[str]:
        """Give up SASL during registration and let the server finish it without."""
        self.sasl_state = "failed"
        return self._end()

    @property
    def sasl_usable(self) -> bool:
        return "sasl" in self.enabled

    def offers_plain(self) -> bool:
        if "sasl" not in self.offered:
            return False
        mechanisms = self.offered["sasl"]
        return not mechanisms or "PLAIN" in mechanisms.upper().split(",")

    def _wanted(self, offered: dict[str, str]) -> list[str]:
        wanted = [cap for cap in WANTED if cap in offered]
        if self.sasl is not None and "sasl" in offered and self.offers_plain():
            wanted.append("sasl")
        return wanted

    @staticmethod
    def _parse(caps: str) -> dict[str, str]:
        return dict((item.partition("=")[0], item.partition("=")[2]) for item in caps.split())

    def _answered(self) -> list[str]:
        self.pending_requests = max(0, self.pending_requests - 1)
        if self.pending_requests:
            return []
        if self.sasl is not None and self.sasl_usable and self.sasl_state == "none":
            self.sasl_state = "started"
            return ["AUTHENTICATE PLAIN"]
        if self.sasl_state == "started":
            return []
        return self._end()

    def _end(self) -> list[str]:
        if self.finished:
            return []
        self.finished = True
        return ["CAP END"]

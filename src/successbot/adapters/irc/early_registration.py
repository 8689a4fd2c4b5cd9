"""Registering on the server while the rest of the bot is still loading.

``successbot run`` opens its IRC connection before it loads the irc library,
SQLAlchemy and the scheduler (most of a second on a small machine): this
module needs only the config. Its thread sends ``CAP LS 302``, NICK and USER,
then answers the capability negotiation and SASL as ``login.Login`` decides,
so the server can finish registering the bot while the rest loads. InspIRCd
finishes it on the first turn of its loop once a second has passed since the
last line it heard (CAP END, when nothing else wakes it), so every
millisecond before CAP END is a millisecond later into the channels.

It handles the lines of registration only (CAP, AUTHENTICATE, the SASL
numerics, a nick that is taken, PING, the server's notices). At the first
other line (001, ERROR, ...) it stops reading; that line and all after it
are the connection's (``IrcBot``), which takes over the socket, the login as
it stands and the nick with ``hand_over``.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from successbot.adapters.irc.login import Login, Step
from successbot.adapters.irc.redaction import redact
from successbot.config import IrcSettings

log = logging.getLogger(__name__)
wire = logging.getLogger(f"{__name__}.wire")  # the raw lines, at DEBUG, as the irc library logs its own

CONNECT_TIMEOUT = 15.0
READ_SIZE = 2**14
# The SASL numerics, by the names the irc library gives them (``Login`` knows them by these).
SASL_FAILURES = {"902": "nicklocked", "904": "saslfail", "905": "sasltoolong", "906": "saslaborted"}
NICK_UNAVAILABLE = frozenset({"432", "433", "437"})


def open_socket(settings: IrcSettings, address: tuple[str, int]) -> socket.socket:
    """The connection to the server, with ``CAP LS 302`` sent: the server then holds registration until CAP END."""
    sock = socket.create_connection(address, timeout=CONNECT_TIMEOUT)
    # A reply of several lines is several small writes: without this, Nagle's
    # algorithm holds the second until the server's delayed ACK, 40 ms later.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if settings.uses_tls:
        import ssl  # only for TLS: it is some megabytes

        context = ssl.create_default_context()
        if not settings.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname=address[0])
    sock.settimeout(None)
    # Before NICK/USER: the server now holds registration until CAP END, so SASL finishes before we are "in".
    sock.sendall(b"CAP LS 302\r\n")
    return sock


def new_login(settings: IrcSettings, nick: str) -> Login:
    """The login of one connection, as ``[irc]`` asks for it."""
    return Login(
        settings.auth,
        settings.account or nick,
        settings.password.reveal() if settings.password is not None else None,
        require_login=settings.require_login,
        wait=settings.login_wait,
    )


def nick_candidates(settings: IrcSettings, nick: str) -> list[str]:
    """The nicks to try, in turn, when ``nick`` is taken."""
    return [*settings.alt_nicks, nick + "_", nick + "__"]


@dataclass
class Handover:
    """What the connection takes over: the socket (None if it could not be opened, ``error`` says why)."""

    socket: socket.socket | None
    login: Login
    nick: str
    nick_candidates: list[str]
    unread: bytes = b""  # read from the server and not handled here: the connection handles it first
    step: Step = field(default_factory=Step)  # what the login decided that only the connection can do
    error: OSError | None = None


def parse_line(line: str) -> tuple[str | None, str, list[str]]:
    """``(prefix, COMMAND, params)`` of a raw line; tags are dropped (registration needs none)."""
    if line.startswith("@"):
        line = line.partition(" ")[2]
    prefix = None
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
    head, colon, trailing = line.partition(" :")
    params = head.split()
    if not params:
        return prefix, "", []
    command = params.pop(0).upper()
    if colon:
        params.append(trailing)
    return prefix, command, params


class EarlyRegistration:
    """The connection's first seconds, on a thread of their own (``begin``), until ``hand_over``."""

    def __init__(
        self,
        settings: IrcSettings,
        nick: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        connect: Callable[[IrcSettings, tuple[str, int]], socket.socket] = open_socket,
    ) -> None:
        self.settings, self.monotonic, self._connect = settings, monotonic, connect
        self.login = new_login(settings, nick)
        self.nick = nick
        self.candidates = nick_candidates(settings, nick)
        self.step = Step()  # what the login decided that only the connection can do: join, exit
        self.error: OSError | None = None
        self._socket: socket.socket | None = None
        self._pending = b""
        self._stopped = False  # a line not ours came (or the login was refused): the rest is the connection's
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._sent = threading.Event()  # CAP END is out (or this thread gave up): the server is registering us
        redact(wire)

    @classmethod
    def begin(cls, settings: IrcSettings, nick: str) -> EarlyRegistration:
        """Connect and start registering on a thread of its own; returns at once."""
        early = cls(settings, nick)
        early._wake = socket.socketpair()
        early._thread = threading.Thread(target=early._run, name="irc-registration", daemon=True)
        early._thread.start()
        return early

    def wait_until_sent(self, timeout: float) -> bool:
        """Wait (up to ``timeout``) until CAP END is sent, or this thread has stopped; whether it happened.

        The heavy imports that follow hold Python's lock for most of a second,
        and this thread would wait its turn (5 ms) at every line of the
        negotiation; every millisecond before CAP END is one later into the channels.
        """
        return self._sent.wait(timeout)

    def hand_over(self) -> Handover:
        """Stop (after the connect, if it is still under way) and give everything to the connection."""
        if self._thread is not None and self._wake is not None:
            self._wake[1].send(b"\0")
            self._thread.join()
            for end in self._wake:
                end.close()
        sock = self._socket
        if sock is not None and hasattr(sock, "pending"):
            # TLS: bytes already decrypted wait in the SSL object, where select() cannot see them.
            while sock.pending():
                self._pending += sock.recv(READ_SIZE)
        return Handover(sock, self.login, self.nick, self.candidates, self._pending, self.step, self.error)

    def open(self) -> bool:
        """Connect and send PASS, NICK and USER; False (``error`` says why) when the server cannot be reached."""
        settings = self.settings
        host, port = settings.server, settings.effective_port
        log.info("connecting to %s:%d%s", host, port, " with TLS" if settings.uses_tls else "")
        try:
            self._socket = self._connect(settings, (host, port))
        except OSError as error:
            self.error = error
            return False
        wire.debug("TO SERVER: CAP LS 302")
        password = settings.server_password.reveal() if settings.server_password else None
        self._send([*([f"PASS {password}"] if password else []), f"NICK {self.nick}", self._user_line()])
        return True

    # --- the thread ---

    def _run(self) -> None:
        try:
            self._read()
        finally:
            self._sent.set()

    def _read(self) -> None:
        if not self.open():
            return
        assert self._socket is not None and self._wake is not None
        while not self._stopped:
            readable, _, _ = select.select([self._socket, self._wake[0]], [], [])
            if self._wake[0] in readable:
                return
            try:
                data = self._socket.recv(READ_SIZE)
            except OSError:
                return  # the connection finds it closed, and reconnects
            if not data:
                return
            self.receive(data)

    def receive(self, data: bytes) -> None:
        """Handle the lines in ``data`` up to the first that is not registration's; keep the rest."""
        self._pending += data
        while not self._stopped and b"\n" in self._pending:
            raw, _, rest = self._pending.partition(b"\n")
            line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
            if line and not self._handle(line):
                self._stopped = True  # this line stays in _pending for the connection
                return
            self._pending = rest
            if self.step.exit_status is not None:
                self._stopped = True  # the login was refused: the connection stops the bot

    def _handle(self, line: str) -> bool:
        """Answer one line of registration; False for a line that is the connection's."""
        prefix, command, params = parse_line(line)
        now = self.monotonic()
        if command == "CAP" and len(params) > 1:
            step = self.login.on_cap(params[1:], now)
            if params[1].upper() == "ACK":
                log.info("capabilities enabled: %s", " ".join(sorted(self.login.caps.enabled)) or "none")
        elif command == "AUTHENTICATE":
            step = self.login.on_authenticate(params[0] if params else "", now)
        elif command == "900":
            step = self.login.on_logged_in(params[2] if len(params) > 2 else self.login.account, now)
        elif command == "901":
            step = self.login.on_logged_out(now)
        elif command == "903":
            step = self.login.on_sasl_success(now)
        elif command in SASL_FAILURES:
            step = self.login.on_sasl_failure(SASL_FAILURES[command], params[-1] if params else command, now)
        elif command == "907":
            step = self.login.on_sasl_already(now)
        elif command == "908":
            self.login.on_sasl_mechanisms(params[1] if len(params) > 1 else "", now)
            step = Step()
        elif command in NICK_UNAVAILABLE and self.candidates:
            wanted = params[1] if len(params) > 1 else self.nick
            self.nick = self.candidates.pop(0)
            log.info("nick %s is unavailable; using %s", wanted, self.nick)
            step = Step((f"NICK {self.nick}",))
        elif command == "PING":
            step = Step((f"PONG :{params[-1]}" if params else "PONG",))
        elif command == "NOTICE" and (prefix is None or "!" not in prefix):
            step = Step()  # the server's words while it looks us up; nothing to answer
        else:
            return False
        wire.debug("FROM SERVER: %s", line)
        self._send(list(step.send))
        # Joining and exiting are the connection's to do, once it has taken over.
        self.step = self.step.then(Step(join=step.join, logged_in=step.logged_in, exit_status=step.exit_status))
        return True

    def _send(self, lines: list[str]) -> None:
        if not lines or self._socket is None:
            return
        try:
            self._socket.sendall(b"".join(line.encode("utf-8") + b"\r\n" for line in lines))
        except OSError:
            self._stopped = True  # the connection finds it closed, and reconnects
            return
        for line in lines:
            wire.debug("TO SERVER: %s", line)
        if "CAP END" in lines:
            self._sent.set()

    def _user_line(self) -> str:
        settings = self.settings
        return f"USER {settings.username or self.nick} 0 * :{settings.realname or self.nick}"

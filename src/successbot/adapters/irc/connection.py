"""The IRC adapter: one connection to one network, kept alive for months.

It turns IRC events into ``Message`` values for the core and the core's
replies into paced lines. Everything runs on one thread, the reactor loop in
``IrcBot.run``; other threads (the scheduler) only put lines in the
outbound queue. Connection states, in order: connecting → negotiating
capabilities and SASL → registered (001) → logged in (``login.Login``: SASL
or NickServ, retried while not) → joining. A lost link goes back to the
start after a backoff.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import select
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import irc.client
import irc.strings
from jaraco.stream import buffer

from successbot import __version__
from successbot.adapters.conversations import Conversations
from successbot.adapters.core_when_ready import CoreWhenReady
from successbot.adapters.irc.accounts import UNKNOWN, AccountTracker, account_named, nicks_in_names
from successbot.adapters.irc.backoff import Backoff
from successbot.adapters.irc.channels import Channels, ChannelState
from successbot.adapters.irc.early_registration import (
    EarlyRegistration,
    Handover,
    new_login,
    nick_candidates,
    open_socket,
)
from successbot.adapters.irc.incoming import Said, parse_privmsg
from successbot.adapters.irc.lines import MAX_LINE_BYTES, prefix_budget_for, sanitize, split_message
from successbot.adapters.irc.liveness import Liveness, Verdict
from successbot.adapters.irc.login import EXIT_AUTH_FAILED, Login, Step
from successbot.adapters.irc.modes import ModeSyntax, mode_changes, privacy_after
from successbot.adapters.irc.outbound import (
    DEFAULT_BYTE_BURST,
    DEFAULT_BYTES_PER_SECOND,
    OnDropped,
    OnWritten,
    OutboundQueue,
    Priority,
    Sender,
    TokenBucket,
)
from successbot.adapters.irc.redaction import SecretRedactor as SecretRedactor
from successbot.adapters.irc.redaction import redact
from successbot.config import IrcSettings
from successbot.core.clock import Clock, parse_instant
from successbot.core.dispatch import Core
from successbot.core.messages import Acknowledgement, Message, Reply
from successbot.core.ports import Delivery

log = logging.getLogger(__name__)

EXIT_OK = 0

REGISTRATION_TIMEOUT = 60.0
WHOIS_TIMEOUT = 10.0
QUIT_TIMEOUT = 3.0
NICK_REGAIN_INTERVAL = 60.0
STABLE_CONNECTION = 60.0  # up this long: the next outage starts the backoff afresh
LOOP_TICK = 0.1
# Join failures that will not go away by themselves: give up on the channel.
PERMANENT_JOIN_FAILURES = {
    "bannedfromchan": "banned",
    "inviteonlychan": "invite only",
    "badchannelkey": "wrong channel key",
    # 477 is ERR_NEEDREGGEDNICK on today's servers; the irc library names it after RFC 1459's ERR_NOCHANMODES.
    "nochanmodes": "only for registered nicks",
}
# Events about someone: a line of these kinds without a ":nick!user@host" is garbage.
NEEDS_SOURCE = frozenset({"join", "part", "kick", "nick", "quit", "account", "pubmsg", "privmsg", "privnotice", "ctcp"})


class ReplacingLineBuffer(buffer.DecodingLineBuffer):
    """Invalid UTF-8 from the server becomes U+FFFD; it never stops the bot."""

    errors = "replace"


class TolerantServerConnection(irc.client.ServerConnection):
    """A line the irc library cannot parse is logged and skipped: it must not end the reactor loop.

    A PRIVMSG goes to ``on_said`` when set, read once by ``incoming`` instead
    of through the library's parser and events (the hot path of every command).
    """

    buffer_class = ReplacingLineBuffer
    on_said: Callable[[Said], None] | None = None

    def _process_line(self, line: str) -> None:
        try:
            # Once the server has named itself (the library notes it from the first line).
            said = parse_privmsg(line) if self.on_said is not None and self.real_server_name else None
            if said is None:
                super()._process_line(line)
            else:
                self.on_said(said)  # type: ignore[misc]  # checked above
        except Exception as error:
            log.warning("ignoring a line from the server that cannot be parsed (%s): %r", error, line[:200])

    def adopt(self, sock: socket.socket, server: str, port: int, nickname: str, username: str, ircname: str) -> None:
        """Take over ``sock``, on which registration began before the library was loaded (``early_registration``):
        as ``connect`` does, without sending NICK and USER again."""
        self.send_raw = lambda _line: None  # type: ignore[method-assign]  # they went out already
        try:
            self.connect(server, port, nickname, username=username, ircname=ircname, connect_factory=lambda _: sock)
        finally:
            del self.send_raw

    def feed(self, data: bytes) -> None:
        """Handle ``data`` as if just read from the socket: what early registration read and left to us."""
        self.buffer.feed(data)
        for line in self.buffer:
            irc.client.log.debug("FROM SERVER: %s", line)
            if line:
                self._process_line(line)


def _install_redaction() -> None:
    for name in ("irc.client", "irc.connection"):
        redact(logging.getLogger(name))


@dataclass
class PendingWhois:
    deadline: float
    messages: list[Message] = field(default_factory=list)
    account: str | None = None
    userhost: str | None = None  # whom the answer is about (311)
    superseded: bool = False  # the nick changed hands meanwhile: the answer is about someone else


class IrcBot:
    """The bot on one IRC network. ``run`` blocks until it stops and returns the exit status."""

    _wake_pending = False  # a waker byte is sent and not yet read (see ``_wake``)

    def __init__(
        self,
        core: Core | CoreWhenReady,
        settings: IrcSettings,
        nick: str,
        clock: Clock,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        registration: EarlyRegistration | None = None,
    ) -> None:
        """``core``: a ``Core``, or a ``CoreWhenReady`` when the connection starts before the database is open;
        ``registration``: the connection's start, already under way, to take over instead of connecting."""
        self.core, self.settings, self.primary_nick, self.clock = core, settings, nick, clock
        self._early = registration
        self.monotonic = monotonic
        self.outbound = OutboundQueue(can_send_to=self._can_send_to, prefix_budget=self._prefix_budget, clock=monotonic)
        self.reactor = irc.client.Reactor()
        self.reactor.connection_class = TolerantServerConnection
        self.connection = self.reactor.server()
        self.sender = Sender(
            self.outbound,
            self._send_now,
            ready=lambda: self.registered,
            lines=TokenBucket(settings.flood_burst, settings.flood_rate, monotonic),
            octets=octet_bucket(settings, monotonic),
            clock=monotonic,
            send_batch=self._send_lines,
        )
        self.channels = Channels(settings.channels, irc.strings.lower)
        self.backoff = Backoff(cap=settings.reconnect_max)
        self.exit_status = EXIT_OK
        self.registered = False
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._timer_order = itertools.count()
        self._stop_reason: str | None = None
        self._finished = False
        self._quit_deadline: float | None = None
        self._connected_at = 0.0
        self._liveness = Liveness(settings.ping_interval, settings.ping_timeout)
        self._announced_network: str | None = None  # ISUPPORT NETWORK=, once the server said it
        self._session = 0  # increases with each connection; stale timers compare it
        self._login = Login("none", nick, None)
        self._caps = self._login.caps
        self._nick_candidates: list[str] = []
        self._accounts = AccountTracker(irc.strings.lower)
        self._whois: dict[str, PendingWhois] = {}
        self.on_stop: list[Callable[[], None]] = []
        # Told (channel, private) on the connection's thread when a channel's +k/+s/+p is first seen or
        # changes; a listener hands any slow work (the database) elsewhere.
        self.on_channel_privacy: list[Callable[[str, bool], None]] = []
        # Commands run on worker threads; their replies come back through the queue, and the
        # waker's byte makes the loop send them at once instead of at its next tick.
        self._wake_reader, self._wake_writer = socket.socketpair()
        for end in (self._wake_reader, self._wake_writer):
            end.setblocking(False)
        self.conversations = Conversations(core, self._deliver, delivered=self._wake)
        self._register_handlers()
        self._register_login_handlers()
        _install_redaction()

    # --- the loop ---

    def run(self) -> int:
        self._connect()
        while not self._finished:
            self._process_input(LOOP_TICK)
            self._run_due_timers()
            self._check_liveness()
            if self._stop_reason is not None and self._quit_deadline is None:
                self._begin_quit()
            if self._quit_deadline is not None and self.monotonic() >= self._quit_deadline:
                self._finish()
            self.sender.tick()
        self.conversations.stop()
        for callback in self.on_stop:
            callback()
        self._wake_reader.close()
        self._wake_writer.close()
        return self.exit_status

    def _process_input(self, timeout: float) -> None:
        """Wait up to ``timeout`` for the server or the waker, then handle what came (the reactor's work)."""
        sockets = self.reactor.sockets
        readable, _, _ = select.select([*sockets, self._wake_reader], [], [], timeout)
        if self._wake_reader in readable:
            self._wake_pending = False  # before the queue is looked at: a reply put after this wakes us again
            with contextlib.suppress(BlockingIOError):
                while self._wake_reader.recv(4096):
                    pass
        from_server = [sock for sock in readable if sock is not self._wake_reader]
        if from_server:
            self.reactor.process_data(from_server)
        self.reactor.process_timeout()

    def _wake(self) -> None:
        """From any thread: make the loop look at the outbound queue now.

        Once per wake-up: while a byte is unread, the loop is bound to look at
        the queue anyway, so a burst of acknowledgements costs one system call
        and one switch of threads, and they wait together (and merge).
        """
        if self._wake_pending:
            return
        self._wake_pending = True
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_writer.send(b"\0")

    def stop(self, reason: str = "stopping") -> None:
        """Ask the loop to QUIT and return; safe from a signal handler or another thread."""
        if self._stop_reason is None:
            self._stop_reason = reason

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda number, _frame: self.stop(signal.Signals(number).name))

    def say(
        self,
        target: str,
        text: str,
        notice: bool = False,
        *,
        priority: Priority = Priority.REPLY,
        sender: str | None = None,
        acknowledges: Acknowledgement | None = None,
        on_written: OnWritten | None = None,
        on_dropped: OnDropped | None = None,
        expires_in: float | None = None,
    ) -> None:
        """Queue ``text`` for ``target``, split to fit, as one item; safe from any thread.

        ``sender`` is whom it answers (the speaker's nick; the channel for an
        announcement; ``target`` if not given): the queue shares the rate
        fairly between senders. A channel's lines wait until the bot is in
        it. ``on_written()`` runs once all its lines are written to the
        socket, ``on_dropped(reason)`` instead if they never will be (see
        ``outbound``); both on the reactor thread, and must be quick.
        ``expires_in`` seconds from now it is dropped if still unsent (a
        reply's default is 2 minutes, an announcement has none).
        """
        command = "NOTICE" if notice else "PRIVMSG"
        budget = self._prefix_budget()
        parts = split_message(command, target, text, prefix_budget=budget, max_parts=self.settings.max_reply_lines)
        self.outbound.put_many(
            (f"{command} {target} :{part}" for part in parts),
            priority,
            sender=target if sender is None else sender,
            target=target,
            ack=acknowledges,
            on_written=on_written,
            on_dropped=on_dropped,
            expires_at=None if expires_in is None else self.monotonic() + expires_in,
        )

    def _prefix_budget(self) -> int:
        return prefix_budget_for(self.connection.get_nickname() or self.primary_nick)

    def _can_send_to(self, target: str) -> bool:
        """The outbound gate: a configured channel only while the bot is in it; a nick (or any other name) always.

        Asked on the reactor thread only, which owns the channel states. The
        queue sends nothing at all before registration (``Sender`` ``ready``).
        """
        return not self.channels.is_configured(target) or self.channels.is_in(target)

    # --- the announcer's sink: called from the scheduler's thread ---

    @property
    def network(self) -> str:
        return self.network_name

    def can_post(self, channel: str) -> bool:
        """Only into a channel the bot is in now; read from the channels' snapshot, safe from any thread."""
        return self.channels.is_in(channel)

    def post(self, channel: str, text: str, notice: bool, delivery: Delivery) -> None:
        """Queue an announcement (its own class, the channel as its sender); safe from any thread.

        ``delivery`` hears ``written()`` once all its lines are on the socket,
        or ``dropped(reason)`` (``"shutdown"``, or ``"expired"`` once
        ``delivery.expires_in`` seconds passed unsent, say through a long
        outage): then its claim is released and it is posted later. A
        disconnect keeps it queued until the bot is back in the channel. Both
        run on the connection's thread; the announcer settles them elsewhere.
        """
        self.say(
            channel, text, notice=notice, priority=Priority.ANNOUNCEMENT, sender=channel,
            on_written=delivery.written, on_dropped=delivery.dropped, expires_in=delivery.expires_in,
        )  # fmt: skip

    @property
    def network_name(self) -> str:
        """As configured, else what the server calls its network (ISUPPORT NETWORK), else its host.

        Read by the announcer's thread too: the announced name is a string that the
        connection's thread replaces whole when the server's ISUPPORT lines arrive.
        """
        return self.settings.network or self._announced_network or self.settings.server

    # --- the core's view of channels (ports.ChannelFacts): asked from the workers' threads ---

    def is_private(self, channel: str) -> bool | None:
        """Keyed, secret or private now; None while the bot is not in it or has not heard its modes."""
        return self.channels.is_private(channel)

    def is_member(self, nick: str, channel: str) -> bool:
        return self._accounts.shares(nick, channel)

    def _on_cannot_send(self, _connection: Any, event: Any) -> None:
        # 404: a line went out that the channel refused; the outbound gate exists so that this never happens.
        channel = event.arguments[0] if event.arguments else "?"
        log.warning("cannot send to %s: %s", channel, event.arguments[-1] if len(event.arguments) > 1 else "refused")

    def _on_features(self, _connection: Any, _event: Any) -> None:
        self._announced_network = getattr(self.connection.features, "network", None)

    # --- connecting ---

    def _connect(self) -> None:
        if self._early is not None:
            early, self._early = self._early, None
            self._adopt(early.hand_over())
            return
        settings = self.settings
        host, port = settings.server, settings.effective_port
        self._session += 1
        self.registered = False
        self._login = new_login(settings, self.primary_nick)
        self._caps = self._login.caps  # the rest of the bot reads what is enabled from here
        self._nick_candidates = nick_candidates(settings, self.primary_nick)
        self._accounts.reset()
        log.info("connecting to %s:%d%s", host, port, " with TLS" if settings.uses_tls else "")
        password = settings.server_password.reveal() if settings.server_password else None
        try:
            self.connection.connect(
                host,
                port,
                self.primary_nick,
                password=password,
                username=settings.username,
                ircname=settings.realname,
                connect_factory=self._open_socket,
            )
        except irc.client.ServerConnectionError as error:
            self._schedule_reconnect(f"cannot connect: {error}")
            return
        self._connected(self._session)

    def _connected(self, session: int) -> None:
        now = self.monotonic()
        self._connected_at = now
        self._liveness.connected(now)
        self._call_later(REGISTRATION_TIMEOUT, lambda: self._registration_overdue(session))

    def _adopt(self, handover: Handover) -> None:
        """Go on where ``early_registration`` stopped: its socket, its login as it stands, its nick."""
        self._session += 1
        self.registered = False
        self._accounts.reset()
        self._login, self._nick_candidates = handover.login, handover.nick_candidates
        self._caps = self._login.caps
        if handover.socket is None:
            self._schedule_reconnect(f"cannot connect: Couldn't connect to socket: {handover.error}")
            return
        settings = self.settings
        self.connection.adopt(
            handover.socket, settings.server, settings.effective_port, handover.nick,
            username=settings.username or handover.nick, ircname=settings.realname or handover.nick,
        )  # fmt: skip
        self._connected(self._session)
        self._apply_login(handover.step)
        self.connection.feed(handover.unread)  # 001 and what follows it, when the server was that quick

    def _open_socket(self, address: tuple[str, int]) -> socket.socket:
        # connect() sends NICK/USER next, after the CAP LS 302 this sent.
        return open_socket(self.settings, address)

    def _registration_overdue(self, session: int) -> None:
        if session == self._session and not self.registered and self.connection.is_connected():
            log.warning("the server did not finish registration in %ds; reconnecting", REGISTRATION_TIMEOUT)
            self.connection.disconnect("registration timed out")

    def _schedule_reconnect(self, why: str) -> None:
        if self._stop_reason is not None or self.exit_status == EXIT_AUTH_FAILED:
            self._finish()
            return
        delay = self.backoff.next_delay()
        log.info("%s; reconnecting in %.1fs", why, delay)
        self._call_later(delay, self._connect)

    def _send_now(self, line: str) -> None:
        self.connection.send_raw(line)

    def _send_lines(self, lines: list[str]) -> None:
        """Several lines in one write (the irc library writes one line per call)."""
        sock = self.connection.socket
        if sock is None:
            raise irc.client.ServerNotConnectedError("not connected")
        data = b"".join(line.encode("utf-8") + b"\r\n" for line in lines)
        try:
            sock.sendall(data)
        except OSError:
            self.connection.disconnect("Connection reset by peer.")
            return
        for line in lines:
            log.debug("TO SERVER: %s", line)

    def _send_registration(self, lines: list[str]) -> None:
        """CAP and SASL lines: part of registration, so they bypass the paced queue."""
        for line in lines:
            self.connection.send_raw(line)

    # --- events ---

    def _register_handlers(self) -> None:
        handlers: dict[str, Callable[[Any, Any], None]] = {
            "all_raw_messages": self._on_raw,
            "cap": self._on_cap,
            "authenticate": self._on_authenticate,
            "saslsuccess": self._on_sasl_success,
            "saslfail": self._on_sasl_failure,
            "sasltoolong": self._on_sasl_failure,
            "saslaborted": self._on_sasl_failure,
            "nicklocked": self._on_sasl_failure,
            "loggedin": self._on_logged_in,
            "welcome": self._on_welcome,
            "featurelist": self._on_features,
            "cannotsendtochan": self._on_cannot_send,
            "nicknameinuse": self._on_nick_unavailable,
            "erroneusnickname": self._on_nick_unavailable,
            "unavailresource": self._on_nick_unavailable,
            "join": self._on_join,
            "part": self._on_part,
            "kick": self._on_kick,
            "nick": self._on_nick,
            "quit": self._on_quit,
            "account": self._on_account,
            "pubmsg": self._on_pubmsg,
            "privmsg": self._on_privmsg,
            "privnotice": self._on_privnotice,
            "ctcp": self._on_ctcp,
            "namreply": self._on_names,
            "channelmodeis": self._on_channel_modes,
            "mode": self._on_mode,
            "whoisuser": self._on_whois_user,
            "whoisaccount": self._on_whois_account,
            "endofwhois": self._on_end_of_whois,
            "disconnect": self._on_disconnect,
            "error": self._on_error,
            "channelisfull": self._on_channel_full,
            **{name: self._on_join_refused for name in PERMANENT_JOIN_FAILURES},
        }
        for event_type, handler in handlers.items():
            self.reactor.add_global_handler(event_type, self._guarded(handler))
        self.connection.on_said = self._on_said

    def _guarded(self, handler: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        def guarded(connection: Any, event: Any) -> None:
            if event.source is None and event.type in NEEDS_SOURCE:
                log.debug("ignoring a %s line without a source", event.type)  # no server sends one
                return
            try:
                handler(connection, event)
            except Exception:
                # One bad line or a bug in a handler must not end the reactor loop.
                log.exception("handling %s failed", event.type)

        return guarded

    def _on_raw(self, _connection: Any, _event: Any) -> None:
        self._liveness.heard(self.monotonic())

    def _on_cap(self, _connection: Any, event: Any) -> None:
        if not event.arguments:
            return
        step = self._login.on_cap(event.arguments, self.monotonic())
        if event.arguments[0].upper() == "ACK":
            log.info("capabilities enabled: %s", " ".join(sorted(self._caps.enabled)) or "none")
        self._apply_login(step)

    def _on_authenticate(self, _connection: Any, event: Any) -> None:
        self._apply_login(self._login.on_authenticate(event.target or "", self.monotonic()))

    def _on_sasl_success(self, _connection: Any, _event: Any) -> None:
        self._apply_login(self._login.on_sasl_success(self.monotonic()))

    def _on_sasl_failure(self, _connection: Any, event: Any) -> None:
        reason = event.arguments[-1] if event.arguments else event.type
        self._apply_login(self._login.on_sasl_failure(event.type, reason, self.monotonic()))

    def _on_logged_in(self, _connection: Any, event: Any) -> None:
        account = event.arguments[1] if len(event.arguments) > 1 else self._login.account
        self._apply_login(self._login.on_logged_in(account, self.monotonic()))

    def _register_login_handlers(self) -> None:
        """The login's events beyond those in the table above; handlers of the same event run in turn."""
        handlers: dict[str, Callable[[Any, Any], None]] = {
            "loggedout": lambda _c, _e: self._apply_login(self._login.on_logged_out(self.monotonic())),
            "saslalready": lambda _c, _e: self._apply_login(self._login.on_sasl_already(self.monotonic())),
            "saslmechs": lambda _c, e: self._login.on_sasl_mechanisms(
                e.arguments[0] if e.arguments else "", self.monotonic()
            ),
            "nosuchnick": self._on_login_no_such_nick,
            "account": self._on_own_account,
        }
        for event_type, handler in handlers.items():
            self.reactor.add_global_handler(event_type, self._guarded(handler))

    def _on_login_no_such_nick(self, _connection: Any, event: Any) -> None:
        if event.arguments:
            self._apply_login(self._login.on_no_such_nick(event.arguments[0], self.monotonic()))

    def _on_own_account(self, _connection: Any, event: Any) -> None:
        if self._is_me(event.source.nick):
            account = None if event.target in (None, "*") else event.target
            self._apply_login(self._login.on_account(account, self.monotonic()))

    def _apply_login(self, step: Step) -> None:
        """Carry out what the login decided: its lines bypass the paced queue, as registration's do."""
        self._send_registration(list(step.send))
        if step.exit_status is not None:
            self.exit_status = step.exit_status
            self.stop("SASL login failed")
        if step.logged_in:
            self.channels.may_retry(PERMANENT_JOIN_FAILURES["nochanmodes"])  # refused before the login
        if step.join:
            self._join_channels()

    def _on_welcome(self, connection: Any, _event: Any) -> None:
        self.registered = True
        self._caps.finished = True
        log.info(
            "registered as %s on %s:%d", connection.get_nickname(), self.settings.server, self.settings.effective_port
        )
        if connection.get_nickname() != self.primary_nick:
            self._call_later(NICK_REGAIN_INTERVAL, self._regain_nick_periodically(self._session))
        self._apply_login(self._login.on_welcome(self.monotonic()))

    def _on_privnotice(self, _connection: Any, event: Any) -> None:
        # NickServ's words: an answer where the server sends no 900, or a sign that services are back.
        if event.source.nick.lower() == "nickserv" and event.arguments:
            self._apply_login(self._login.on_nickserv_notice(event.arguments[0], self.monotonic()))

    def _join_channels(self) -> None:
        for state in self.channels.to_join():
            self._join(state)

    def _join(self, state: ChannelState) -> None:
        self.outbound.put(state.join_line, Priority.PROTOCOL)

    def _on_nick_unavailable(self, connection: Any, event: Any) -> None:
        if self.registered:
            return  # a regain attempt failed; we keep the nick we have
        wanted = event.arguments[0] if event.arguments else connection.get_nickname()
        if not self._nick_candidates:
            log.error("no nick is free (tried up to %s); reconnecting later", wanted)
            connection.disconnect("no free nick")
            return
        alternative = self._nick_candidates.pop(0)
        log.info("nick %s is unavailable; using %s", wanted, alternative)
        connection.nick(alternative)

    def _regain_nick_periodically(self, session: int) -> Callable[[], None]:
        def attempt() -> None:
            if session != self._session or not self.registered:
                return
            if self.connection.get_nickname() != self.primary_nick:
                self.outbound.put(f"NICK {self.primary_nick}", Priority.PROTOCOL)
                self._call_later(NICK_REGAIN_INTERVAL, attempt)

        return attempt

    def _on_join(self, connection: Any, event: Any) -> None:
        nick = event.source.nick
        if not self._is_me(nick):
            extended = len(event.arguments) >= 1 and "extended-join" in self._caps.enabled
            self._accounts.joined(nick, event.target, account_named(event.arguments[0]) if extended else UNKNOWN)
        else:
            self._accounts.bot_joined(event.target)
            self.outbound.put(f"MODE {event.target}", Priority.PROTOCOL)  # is it keyed, secret or private?
            log.info("joined %s", event.target)
            if self.channels.joined(event.target):
                self.backoff.reset()

    def _on_part(self, _connection: Any, event: Any) -> None:
        if not self._is_me(event.source.nick):
            self._accounts.left(event.source.nick, event.target)
        else:
            self._accounts.bot_left(event.target)
            self.channels.left(event.target)
            self.channels.forget_privacy(event.target)

    def _on_kick(self, _connection: Any, event: Any) -> None:
        if not event.arguments:
            return
        if not self._is_me(event.arguments[0]):
            self._accounts.left(event.arguments[0], event.target)
            return
        self._accounts.bot_left(event.target)
        state = self.channels.left(event.target)
        self.channels.forget_privacy(event.target)
        reason = event.arguments[1] if len(event.arguments) > 1 else ""
        log.warning(
            "kicked from %s by %s (%s); rejoining in %.0fs",
            event.target,
            event.source.nick,
            reason,
            self.settings.rejoin_delay,
        )
        if state is None:
            return
        session = self._session

        def rejoin() -> None:
            if session == self._session and not state.joined and state.abandoned is None:
                self._join(state)

        self._call_later(self.settings.rejoin_delay, rejoin)

    def _on_join_refused(self, _connection: Any, event: Any) -> None:
        channel = event.arguments[0] if event.arguments else "?"
        why = PERMANENT_JOIN_FAILURES.get(event.type, event.type)
        self.channels.refused(channel, why)
        log.error(
            "cannot join %s: %s (%s); not trying it again", channel, why, event.arguments[-1] if event.arguments else ""
        )

    def _on_channel_full(self, _connection: Any, event: Any) -> None:
        channel = event.arguments[0] if event.arguments else "?"
        state = self.channels.get(channel)
        log.warning("cannot join %s: it is full; trying again in a minute", channel)
        if state is not None:
            self._call_later(60.0, lambda: None if state.joined else self._join(state))

    def _on_nick(self, connection: Any, event: Any) -> None:
        if not self._is_me(event.target):
            self._accounts.renamed(event.source.nick, event.target)
            for changed_hands in (event.source.nick, event.target):
                self._supersede_whois(changed_hands)
        if self._is_me(event.target) and event.target == self.primary_nick:
            log.info("regained the nick %s", self.primary_nick)
        self._maybe_regain(event.source.nick)

    def _on_quit(self, _connection: Any, event: Any) -> None:
        self._accounts.quit(event.source.nick)
        self._supersede_whois(event.source.nick)
        self._maybe_regain(event.source.nick)

    def _maybe_regain(self, freed: str) -> None:
        is_primary = irc.strings.lower(freed) == irc.strings.lower(self.primary_nick)
        if self.registered and is_primary and self.connection.get_nickname() != self.primary_nick:
            self.outbound.put(f"NICK {self.primary_nick}", Priority.PROTOCOL)

    def _on_account(self, _connection: Any, event: Any) -> None:
        if not self._is_me(event.source.nick):
            self._accounts.account_changed(event.source.nick, account_named(event.target or ""))

    def _on_names(self, _connection: Any, event: Any) -> None:
        # 353 <me> = <channel> :<names>: members already there when we joined, accounts unknown.
        if len(event.arguments) >= 3:
            prefixes = "".join(self.connection.features.prefix)
            nicks = [nick for nick in nicks_in_names(event.arguments[2], prefixes) if not self._is_me(nick)]
            self._accounts.names(event.arguments[1], nicks)

    def _on_channel_modes(self, _connection: Any, event: Any) -> None:
        # 324 <me> <channel> <modes> [<arguments>…]: the whole set, asked for after joining.
        if len(event.arguments) >= 2:
            channel = event.arguments[0]
            self._privacy_seen(channel, privacy_after(frozenset(), mode_changes(event.arguments[1:], self._modes())))

    def _on_mode(self, _connection: Any, event: Any) -> None:
        # MODE <channel> <changes> [<arguments>…]; only channels the bot is in are told to it.
        if event.target and event.arguments and self.channels.lower(event.target) in self._accounts.bot_channels:
            known = self.channels.modes_known(event.target)
            modes = privacy_after(known, mode_changes(event.arguments, self._modes()))
            if modes or self.channels.knows_modes(event.target):
                self._privacy_seen(event.target, modes)  # a change before the 324 tells "public" only then

    def _modes(self) -> ModeSyntax:
        features = self.connection.features
        return ModeSyntax.from_isupport(getattr(features, "chanmodes", None), features.prefix.values())

    def _privacy_seen(self, channel: str, modes: frozenset[str]) -> None:
        private = self.channels.set_privacy(channel, modes)
        if private is None:
            return
        log.info("%s is %s", channel, f"private (+{''.join(sorted(modes))})" if private else "public")
        for listener in self.on_channel_privacy:
            try:
                listener(channel, private)
            except Exception:
                log.exception("a listener of %s's privacy failed", channel)

    def _on_error(self, _connection: Any, event: Any) -> None:
        level = logging.INFO if self._quit_deadline is not None else logging.WARNING
        log.log(level, "the server says: %s", event.target or " ".join(event.arguments))

    def _on_disconnect(self, _connection: Any, event: Any) -> None:
        was_up = self.monotonic() - self._connected_at
        self.registered = False
        self.channels.disconnected()
        self._accounts.reset()
        self._whois.clear()
        if self._quit_deadline is not None or self._stop_reason is not None:
            self._finish()
            return
        self.outbound.disconnected()  # replies and announcements wait for the rejoin
        if was_up >= STABLE_CONNECTION:
            self.backoff.reset()
        reason = event.arguments[0] if event.arguments else "connection closed"
        self._schedule_reconnect(f"disconnected ({reason})")

    # --- messages ---

    def _on_pubmsg(self, connection: Any, event: Any) -> None:
        self._receive_event(event, channel=event.target)

    def _on_privmsg(self, connection: Any, event: Any) -> None:
        self._receive_event(event, channel=None)

    def _receive_event(self, event: Any, channel: str | None) -> None:
        if event.arguments:
            tags = {tag["key"]: tag["value"] for tag in (event.tags or [])}
            source = event.source
            self._receive(Said(tags, source.nick, source.user, source.host, event.target, event.arguments[0]), channel)

    def _on_said(self, said: Said) -> None:
        """A PRIVMSG read by ``incoming``: what ``_on_raw`` and then ``_on_pubmsg`` or ``_on_privmsg`` do for it."""
        try:
            self._liveness.heard(self.monotonic())
            self._receive(said, channel=said.target if irc.client.is_channel(said.target) else None)
        except Exception:
            log.exception("handling a message from %s failed", said.nick)  # as _guarded does: the loop goes on

    def _receive(self, said: Said, channel: str | None) -> None:
        nick = said.nick
        if self._is_me(nick) or not self.core.is_for_us(said.text):
            return  # the channel's other talk: no worker is woken for what gets no answer
        account = self._account_of(nick, said.tags)
        if account is UNKNOWN and not self.core.needs_account(said.text):
            account = None
        message = Message(
            text=said.text,
            nick=nick,
            channel=channel,
            account=account if isinstance(account, str) and account else None,
            userhost=f"{said.user}@{said.host}" if said.user and said.host else None,
            network=self.network_name,
            server_time=_server_time(said.tags.get("time")),
        )
        if account is UNKNOWN:
            self._ask_whois(message)
        else:
            self._dispatch(message)

    def _account_of(self, nick: str, tags: dict[str, str | None]) -> object:
        if "account-tag" in self._caps.enabled:
            return tags.get("account")  # no tag: the speaker is not logged in
        if "account-notify" in self._caps.enabled:  # without it a logout would go unheard
            return self._accounts.account_of(nick)  # UNKNOWN for anyone who shares no channel with us
        return UNKNOWN

    def _ask_whois(self, message: Message) -> None:
        key = irc.strings.lower(message.nick)
        pending = self._whois.get(key)
        if pending is None:
            pending = self._whois[key] = PendingWhois(self.monotonic() + WHOIS_TIMEOUT)
            self.outbound.put(f"WHOIS {message.nick}", Priority.LOOKUP, sender=message.nick)
        pending.messages.append(message)

    def _on_whois_user(self, _connection: Any, event: Any) -> None:
        pending = self._whois.get(irc.strings.lower(event.arguments[0])) if event.arguments else None
        if pending is not None and len(event.arguments) > 2:
            pending.userhost = f"{event.arguments[1]}@{event.arguments[2]}"

    def _on_whois_account(self, _connection: Any, event: Any) -> None:
        pending = self._whois.get(irc.strings.lower(event.arguments[0])) if event.arguments else None
        if pending is not None and len(event.arguments) > 1:
            pending.account = event.arguments[1]

    def _on_end_of_whois(self, _connection: Any, event: Any) -> None:
        pending = self._whois.pop(irc.strings.lower(event.arguments[0]), None) if event.arguments else None
        if pending is not None:
            if not pending.superseded:
                self._accounts.learned(event.arguments[0], pending.account)  # kept only if it shares a channel
            self._answer_whois(pending)

    def _answer_whois(self, pending: PendingWhois) -> None:
        for message in pending.messages:
            # The answer is about whoever holds the nick now: trust it only for the same user@host, unchanged.
            same = not pending.superseded and pending.userhost is not None and pending.userhost == message.userhost
            self._dispatch(_with_account(message, pending.account if same else None))

    def _supersede_whois(self, nick: str) -> None:
        pending = self._whois.get(irc.strings.lower(nick))
        if pending is not None:
            pending.superseded = True

    def _on_ctcp(self, _connection: Any, event: Any) -> None:
        query = event.arguments[0].upper() if event.arguments else ""
        nick = event.source.nick
        # Lowest class, rate-limited per asker and in all: beyond that they are dropped, not queued.
        if query == "VERSION":
            self.outbound.put(f"NOTICE {nick} :\x01VERSION successbot {__version__}\x01", Priority.CTCP, sender=nick)
        elif query == "PING":
            argument = sanitize(event.arguments[1])[:100] if len(event.arguments) > 1 else ""
            line = f"NOTICE {nick} :\x01PING {argument}\x01".replace(" \x01", "\x01")
            self.outbound.put(line, Priority.CTCP, sender=nick)

    def _dispatch(self, message: Message) -> None:
        """Hand the message to a worker: commands read and write the database, which is not the connection's job."""
        self.conversations.submit(message, message.server_time or self.clock.now())

    def _deliver(self, message: Message, replies: list[Reply]) -> None:
        """On a worker thread: queue the replies; the worker then wakes the loop to send them (``_wake``), as the
        last thing before it waits, so that the loop finds the interpreter free. A worker never writes to the socket."""
        for reply in replies:
            self.say(
                reply.target, reply.text, notice=reply.notice, sender=message.nick, acknowledges=reply.acknowledges
            )

    # --- time ---

    def _call_later(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.monotonic() + delay, next(self._timer_order), action))

    def _run_due_timers(self) -> None:
        now = self.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _due, _order, action = heapq.heappop(self._timers)
            try:
                action()
            except Exception:
                log.exception("a timer failed")

    def _check_liveness(self) -> None:
        if not self.connection.is_connected():
            return
        now = self.monotonic()
        self._apply_login(self._login.tick(now))
        for key, pending in list(self._whois.items()):
            if now >= pending.deadline:
                del self._whois[key]
                self._answer_whois(pending)
        verdict = self._liveness.check(now)
        if verdict is Verdict.DEAD:
            log.warning("no answer from the server in %.0fs; reconnecting", self.settings.ping_timeout)
            self.connection.disconnect("ping timeout")
        elif verdict is Verdict.PING:
            with contextlib.suppress(irc.client.ServerNotConnectedError):
                self._send_now(f"PING :successbot-{int(now)}")

    # --- stopping ---

    def _begin_quit(self) -> None:
        self._quit_deadline = self.monotonic() + QUIT_TIMEOUT
        if self.connection.is_connected():
            log.info("quitting (%s)", self._stop_reason)
            try:
                # The QUIT goes first, unpaced; the server answers with ERROR and closes.
                self._send_now(f"QUIT :{sanitize(self.settings.quit_message)}")
            except irc.client.ServerNotConnectedError:
                self._finish()
        else:
            self._finish()
        self._hand_back()

    def _finish(self) -> None:
        if self.connection.is_connected():
            self.connection.close()
        self._finished = True
        self._hand_back()  # also when the link was gone before the QUIT could be sent

    def _hand_back(self) -> None:
        """What is still queued goes back to its senders (``on_dropped("shutdown")``), never silently lost."""
        unsent = self.outbound.shutdown()
        if unsent:
            log.warning("stopping with %d queued messages unsent; handed back to their senders", unsent)

    def _is_me(self, nick: str) -> bool:
        return irc.strings.lower(nick) == irc.strings.lower(self.connection.get_nickname() or "")


def octet_bucket(settings: IrcSettings, monotonic: Callable[[], float]) -> TokenBucket:
    """Bytes may go as fast as full 512-byte lines at the configured line rate, and never slower than the default.

    With the defaults this is the outbound module's 512 bytes a second; a
    server whose limits were raised (``flood_rate``) must not be held back by
    a byte budget meant for the defaults.
    """
    return TokenBucket(
        max(DEFAULT_BYTE_BURST, settings.flood_burst * MAX_LINE_BYTES),
        max(DEFAULT_BYTES_PER_SECOND, settings.flood_rate * MAX_LINE_BYTES),
        monotonic,
    )


def _with_account(message: Message, account: object) -> Message:
    return replace(message, account=account if isinstance(account, str) and account else None)


def _server_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        return None

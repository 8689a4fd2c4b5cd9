"""Logging in to services, on every connection and whenever the network changes.

A small state machine in the manner of Limnoria's ``IrcStateFsm``: named
phases, and every change of phase checked against ``TRANSITIONS``. It knows
nothing of sockets or of the irc library: the connection feeds it what the
server said and the monotonic time, and carries out the ``Step`` it returns
(lines to send, "join the channels now", "exit with this status").

The rules, on every connection:
- SASL PLAIN during registration when the server offers it (``auth = sasl``).
- Otherwise NickServ IDENTIFY after the welcome. Channels are joined once
  the login succeeds, or after ``wait`` seconds without it (one WARNING),
  unless ``require_login``: then never before the login.
- While not logged in it keeps trying, one attempt at a time: SASL as soon
  as the server announces it (``CAP NEW sasl``, thanks to ``cap-notify``),
  IDENTIFY as soon as NickServ speaks (Anope greets every user on a
  registered nick when it links) or answers at all, and else on a timer with
  backoff, since a network without cap-notify or greetings must heal too.
  Being logged out (``ACCOUNT *``, 901) starts the same over.
- A password that services refuse over SASL is a configuration error: exit
  status 2, at registration as in the middle of a connection. A mechanism
  that is not available, an aborted exchange or services that do not answer
  are the network's state, not ours: keep going and try again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import wraps
from typing import Concatenate, ParamSpec

from successbot.adapters.irc.backoff import Backoff
from successbot.adapters.irc.registration import CapNegotiation, SaslCredentials, plain_lines

log = logging.getLogger(__name__)

EXIT_AUTH_FAILED = 2
LOGIN_WAIT = 15.0  # how long an attempt (and the first join) waits for an answer
RETRY_FIRST, RETRY_FACTOR, RETRY_CAP = 10.0, 2.0, 300.0
NICKSERV = "nickserv"
# NickServ's words where the server sends no 900 (Anope, Atheme).
NICKSERV_ACCEPTED = ("identified", "recognized")
NICKSERV_REFUSED = ("incorrect", "invalid password", "isn't registered", "is not registered")
# 902 (nick locked) and 904 (failed) mean the account or password is wrong,
# unless a 908 (mechanisms available) said first that PLAIN is not among them.
SASL_REFUSALS = frozenset({"saslfail", "nicklocked"})


class Phase(Enum):
    NEGOTIATING = "negotiating capabilities"  # CAP LS sent; the server holds registration
    SASL = "SASL during registration"
    REGISTERING = "waiting for the welcome"  # CAP END sent
    IDENTIFYING = "waiting for NickServ"  # IDENTIFY sent
    WAITING = "not logged in, trying again later"
    RELOGIN_SASL = "SASL in the middle of the connection"
    LOGGED_IN = "logged in"
    NO_LOGIN = "no login configured"
    FAILED = "login refused"  # the bot exits


P = Phase
TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    P.NEGOTIATING: frozenset({P.SASL, P.REGISTERING}),
    P.SASL: frozenset({P.REGISTERING, P.FAILED}),
    P.REGISTERING: frozenset({P.LOGGED_IN, P.NO_LOGIN, P.IDENTIFYING}),
    P.IDENTIFYING: frozenset({P.LOGGED_IN, P.WAITING}),
    P.WAITING: frozenset({P.IDENTIFYING, P.RELOGIN_SASL, P.LOGGED_IN}),
    P.RELOGIN_SASL: frozenset({P.LOGGED_IN, P.WAITING, P.FAILED}),
    P.LOGGED_IN: frozenset({P.WAITING}),
    P.NO_LOGIN: frozenset(),
    P.FAILED: frozenset(),
}
REGISTRATION = frozenset({P.NEGOTIATING, P.SASL, P.REGISTERING})
TRYING = frozenset({P.IDENTIFYING, P.RELOGIN_SASL, P.WAITING})  # registered, not logged in


class LoginError(RuntimeError):
    """A transition the machine does not allow: a bug, never the server's fault."""


@dataclass(frozen=True)
class Step:
    """What the connection is to do: send ``send`` (unpaced), then join, then exit."""

    send: tuple[str, ...] = ()
    join: bool = False  # join the channels the bot is not in
    logged_in: bool = False  # a login succeeded in this step
    exit_status: int | None = None  # stop the bot with this status

    def then(self, other: Step) -> Step:
        return Step(
            self.send + other.send,
            self.join or other.join,
            self.logged_in or other.logged_in,
            self.exit_status if self.exit_status is not None else other.exit_status,
        )


NOTHING = Step()
Args = ParamSpec("Args")


def _event(handler: Callable[Concatenate[Login, Args], Step]) -> Callable[Concatenate[Login, Args], Step]:
    """After a refused login nothing happens any more: the bot is on its way out."""

    @wraps(handler)
    def guarded(self: Login, *args: Args.args, **kwargs: Args.kwargs) -> Step:
        return NOTHING if self.phase is Phase.FAILED else handler(self, *args, **kwargs)

    return guarded


class Login:
    """One connection's login. Make a new one for each connection."""

    def __init__(
        self,
        method: str,
        account: str,
        password: str | None,
        *,
        require_login: bool = False,
        wait: float = LOGIN_WAIT,
        retry: Backoff | None = None,
    ) -> None:
        self.method, self.account, self.require_login, self.wait = method, account, require_login, wait
        self._password = password
        self.retry = retry or Backoff(RETRY_FIRST, RETRY_FACTOR, RETRY_CAP)
        use_sasl = method == "sasl" and password is not None
        self.caps = CapNegotiation(sasl=SaslCredentials(account, password) if use_sasl and password else None)
        self.phase = Phase.NEGOTIATING
        self.logged_in_as: str | None = None
        self._deadline: float | None = None  # of the exchange under way (SASL, IDENTIFYING, RELOGIN_SASL)
        self._retry_at: float | None = None  # WAITING: when to try again
        self._join_at: float | None = None  # the channels are joined by then, logged in or not
        self._join_decided = False
        self._last_attempt: float | None = None
        self._mechanism_missing = False  # a 908 came in this SASL exchange
        self._sasl_untried = False  # SASL was (re)announced and not tried since
        self._sasl_failed_last = False  # so that a timer retry tries NickServ next
        self._nickserv_refused = False

    def __repr__(self) -> str:
        return f"Login({self.method}, {self.account}, {self.phase.name})"  # never the password

    @property
    def is_logged_in(self) -> bool:
        return self.phase is Phase.LOGGED_IN

    # --- registration ---

    @_event
    def on_cap(self, args: list[str], now: float) -> Step:
        """A ``CAP`` line: its arguments after the target (``["LS", "*", "caps"]``, ``["NEW", "sasl"]``)."""
        if not args:
            return NOTHING
        subcommand, caps = args[0].upper(), args[-1]
        if subcommand == "LS" and self.phase is Phase.NEGOTIATING and not self.caps.finished:
            return self._negotiated(self.caps.on_ls(args), now)
        if subcommand == "ACK":
            lines = self.caps.on_ack(caps)
            if self.phase is Phase.NEGOTIATING:
                return self._negotiated(lines, now)
            if "sasl" in _names(caps) and self.caps.sasl is not None:
                self._sasl_untried = True
                return self._try_now_if_waiting(now)
            return Step(tuple(lines))
        if subcommand == "NAK":
            lines = self.caps.on_nak(caps)
            return self._negotiated(lines, now) if self.phase is Phase.NEGOTIATING else NOTHING
        if subcommand == "NEW":
            if "sasl" in _names(caps) and self.caps.sasl is not None:
                log.info("the server offers SASL now")
            return Step(tuple(self.caps.on_new(caps)))
        if subcommand == "DEL":
            return self._withdrawn(caps, now)
        return NOTHING

    def _negotiated(self, lines: list[str], now: float) -> Step:
        if self.caps.sasl_state == "started":
            self._go(Phase.SASL)
            self._start_exchange(now)
        elif self.caps.finished:
            self._go(Phase.REGISTERING)
        return Step(tuple(lines))

    def _withdrawn(self, caps: str, now: float) -> Step:
        sasl_gone = "sasl" in _names(caps)
        self.caps.on_del(caps)
        if not sasl_gone:
            return NOTHING
        self._sasl_untried = False
        if self.phase is Phase.SASL:
            log.warning("the server withdrew SASL during registration; registering without it")
            return self._abandon_registration_sasl()
        if self.phase is Phase.RELOGIN_SASL:
            log.info("the server withdrew SASL; trying again later")
            return self._wait(now)
        return NOTHING

    @_event
    def on_authenticate(self, argument: str, now: float) -> Step:
        """``AUTHENTICATE +``: the server wants the PLAIN payload."""
        if self.phase is Phase.SASL:
            return Step(tuple(self.caps.on_authenticate(argument)))
        if self.phase is Phase.RELOGIN_SASL and argument == "+" and self.caps.sasl is not None:
            return Step(tuple(plain_lines(self.caps.sasl)))
        if argument == "+":
            return Step(("AUTHENTICATE *",))  # an exchange we gave up on: abort it, send no password
        return NOTHING

    def on_sasl_mechanisms(self, _mechanisms: str, _now: float) -> None:
        """908: the mechanisms services take; PLAIN is not one of them, or we would not hear this."""
        self._mechanism_missing = True

    @_event
    def on_sasl_success(self, now: float) -> Step:
        """903."""
        if self.phase is Phase.SASL:
            self._sasl_logged_in()
            lines = self.caps.on_sasl_success()
            self._go(Phase.REGISTERING)
            return Step(tuple(lines))
        if self.phase is Phase.RELOGIN_SASL:
            self._sasl_logged_in()
            return self._logged_in(now)
        return NOTHING  # the 900 before it already did the work

    @_event
    def on_sasl_already(self, now: float) -> Step:
        """907: services say we are logged in already."""
        if self.phase is Phase.RELOGIN_SASL:
            self.logged_in_as = self.logged_in_as or self.account
            return self._logged_in(now)
        return NOTHING

    @_event
    def on_sasl_failure(self, kind: str, reason: str, now: float) -> Step:
        """902, 904, 905, 906 as the irc library names them: nicklocked, saslfail, sasltoolong, saslaborted."""
        if self.phase not in (Phase.SASL, Phase.RELOGIN_SASL):
            return NOTHING  # the answer to an exchange we gave up on
        if kind in SASL_REFUSALS and not self._mechanism_missing:
            log.error("SASL login as %s failed: %s; check [irc] account and password", self.account, reason)
            self._go(Phase.FAILED)
            return Step(exit_status=EXIT_AUTH_FAILED)
        if self.phase is Phase.SASL:
            log.warning("SASL is not available (%s); registering without it", reason)
            return self._abandon_registration_sasl()
        log.info("SASL is not available (%s); trying again later", reason)
        return self._wait(now)

    @_event
    def on_welcome(self, now: float) -> Step:
        """001: registered. Join now, or log in first (and join at the latest after ``wait``)."""
        if self.phase is Phase.SASL:
            self._abandon_registration_sasl()  # a server that did not hold registration for SASL
        if self.phase is Phase.NEGOTIATING:
            self._go(Phase.REGISTERING)  # a server without CAP
        self.caps.finished = True
        self._join_at = now + self.wait
        if self._password is None or self.method not in ("sasl", "nickserv"):
            self._go(Phase.NO_LOGIN)
            return self._join()
        if self.logged_in_as is not None:
            self._go(Phase.LOGGED_IN)
            return self._join()
        # Services linked after LS and before 001: CAP NEW was only noted then.
        wanted = self.caps.sasl is not None and self.caps.offers_plain() and not self.caps.sasl_usable
        request = Step(("CAP REQ :sasl",)) if wanted else NOTHING
        if self.method == "sasl" and not self.caps.sasl_usable:
            log.info("the server offers no SASL PLAIN; identifying to NickServ instead")
        return request.then(self._attempt(now))

    # --- after registration ---

    @_event
    def on_logged_in(self, account: str, now: float) -> Step:
        """900, or an ``ACCOUNT`` for the bot itself."""
        if self.phase in REGISTRATION:
            self.logged_in_as = account  # 903 or the welcome finishes the job
            return NOTHING
        if self.phase is Phase.LOGGED_IN:
            self.logged_in_as = account
            return NOTHING
        if self.phase not in TRYING:
            return NOTHING
        if self.phase is Phase.RELOGIN_SASL:
            self._sasl_logged_in(account)
        else:
            log.info("identified to NickServ as %s", account)
        self.logged_in_as = account
        return self._logged_in(now)

    @_event
    def on_logged_out(self, now: float) -> Step:
        """901, or ``ACCOUNT *`` for the bot itself: log in again at once."""
        if self.phase is not Phase.LOGGED_IN:
            return NOTHING
        log.warning("services logged %s out; logging in again", self.logged_in_as)
        self.logged_in_as = None
        self.retry.reset()
        self._go(Phase.WAITING)
        self._sasl_untried = self.caps.sasl_usable
        return self._attempt(now)

    @_event
    def on_account(self, account: str | None, now: float) -> Step:
        """account-notify about the bot itself; ``None`` for ``ACCOUNT *``."""
        return self.on_logged_out(now) if account is None else self.on_logged_in(account, now)

    @_event
    def on_nickserv_notice(self, text: str, now: float) -> Step:
        """A NOTICE from NickServ to the bot: an answer, or a sign that services are back."""
        lowered = text.lower()
        if self.phase is Phase.IDENTIFYING:
            if any(word in lowered for word in NICKSERV_ACCEPTED) and "not" not in lowered.split():
                log.info("identified to NickServ")
                self.logged_in_as = self.account
                return self._logged_in(now)
            if any(phrase in lowered for phrase in NICKSERV_REFUSED):
                log.error("NickServ refused the login as %s: %s; check [irc] account and password", self.account, text)
                self._nickserv_refused = True
                return self._wait(now)
            return NOTHING
        if self.phase is Phase.WAITING and self._may_identify():
            # NickServ is on the network (again): try soon, but not in a loop with its answers.
            earliest = (now if self._last_attempt is None else self._last_attempt) + self.wait / 3
            soon = max(now, earliest)
            self._retry_at = soon if self._retry_at is None else min(self._retry_at, soon)
            return self.tick(now)
        return NOTHING

    @_event
    def on_no_such_nick(self, nick: str, now: float) -> Step:
        """401 for NickServ: services are not linked, so no answer will come."""
        if nick.lower() == NICKSERV and self.phase is Phase.IDENTIFYING:
            log.debug("NickServ is not on the network; trying again later")
            return self._wait(now)
        return NOTHING

    @_event
    def tick(self, now: float) -> Step:
        """Deadlines: an attempt that got no answer, the next retry, the latest join."""
        step = NOTHING
        if self._deadline is not None and now >= self._deadline:
            step = step.then(self._timed_out(now))
        if self.phase is Phase.WAITING and self._retry_at is not None and now >= self._retry_at:
            step = step.then(self._attempt(now))
        if self._join_at is not None and now >= self._join_at and not self._join_decided and self.phase in TRYING:
            step = step.then(self._join_without_login())
        return step

    # --- the moves ---

    def _go(self, phase: Phase) -> None:
        if phase is self.phase:
            return
        if phase not in TRANSITIONS[self.phase]:
            raise LoginError(f"login: no way from {self.phase.name} to {phase.name}")
        log.debug("login: %s → %s", self.phase.name, phase.name)
        self.phase = phase
        if phase not in (Phase.SASL, Phase.IDENTIFYING, Phase.RELOGIN_SASL):
            self._deadline = None
        if phase is not Phase.WAITING:
            self._retry_at = None

    def _start_exchange(self, now: float) -> None:
        self._deadline = now + self.wait
        self._last_attempt = now
        self._mechanism_missing = False

    def _attempt(self, now: float) -> Step:
        """From REGISTERING or WAITING: one login attempt, SASL if we can, else NickServ."""
        if self._sasl_possible() and (self._sasl_untried or not self._sasl_failed_last or not self._may_identify()):
            self._go(Phase.RELOGIN_SASL)
            self._start_exchange(now)
            self._sasl_untried = False
            return Step(("AUTHENTICATE PLAIN",))
        if self._may_identify():
            self._go(Phase.IDENTIFYING)
            self._start_exchange(now)
            self._sasl_failed_last = False
            return Step((f"PRIVMSG NickServ :IDENTIFY {self.account} {self._password}",))
        return self._wait(now)  # nothing to try until the server announces SASL

    def _wait(self, now: float) -> Step:
        """Give up this attempt: the next one when SASL is fresh, else after the backoff."""
        if self.phase is Phase.RELOGIN_SASL:
            self._sasl_failed_last = True
        self._go(Phase.WAITING)
        if self._sasl_untried and self._sasl_possible():
            return self._attempt(now)
        self._retry_at = now + self.retry.next_delay() if self._may_identify() or self._sasl_possible() else None
        return NOTHING

    def _try_now_if_waiting(self, now: float) -> Step:
        return self._attempt(now) if self.phase is Phase.WAITING else NOTHING

    def _timed_out(self, now: float) -> Step:
        if self.phase is Phase.SASL:
            log.warning("services did not answer SASL in %ds; registering without it", self.wait)
            return Step(("AUTHENTICATE *",)).then(self._abandon_registration_sasl())
        if self.phase is Phase.RELOGIN_SASL:
            log.debug("services did not answer SASL in %ds", self.wait)
            return Step(("AUTHENTICATE *",)).then(self._wait(now))
        log.debug("NickServ did not answer in %ds", self.wait)
        return self._wait(now)

    def _abandon_registration_sasl(self) -> Step:
        self._sasl_failed_last = True  # the welcome tries NickServ first
        lines = self.caps.abandon_sasl()
        self._go(Phase.REGISTERING)
        return Step(tuple(lines))

    def _sasl_logged_in(self, account: str | None = None) -> None:
        self.logged_in_as = account or self.logged_in_as or self.account
        log.info("authenticated by SASL as %s", self.logged_in_as)

    def _logged_in(self, _now: float) -> Step:
        self._go(Phase.LOGGED_IN)
        self.retry.reset()
        self._sasl_untried = False
        return self._join().then(Step(logged_in=True))

    def _join(self) -> Step:
        self._join_decided = True
        return Step(join=True)

    def _join_without_login(self) -> Step:
        self._join_decided = True  # one WARNING either way
        if self.require_login:
            log.warning(
                "not logged in as %s after %ds; joining no channel until the login succeeds (require_login)",
                self.account,
                self.wait,
            )
            return NOTHING
        log.warning(
            "not logged in as %s after %ds; joining the channels anyway and still trying", self.account, self.wait
        )
        return Step(join=True)

    def _sasl_possible(self) -> bool:
        return self.caps.sasl is not None and self.caps.sasl_usable and self.caps.offers_plain()

    def _may_identify(self) -> bool:
        return self.method in ("sasl", "nickserv") and self._password is not None and not self._nickserv_refused


def _names(caps: str) -> set[str]:
    return {item.partition("=")[0] for item in caps.split()}

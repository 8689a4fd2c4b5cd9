"""The login state machine, driven by server lines and a fake clock: no sockets, no sleeps.

``feed`` turns a raw server line into the call the connection makes for it, so
that each test reads like the wire. The lines are those InspIRCd 3 and Anope 2.0
send (see tests/integration), among them what a bot already connected sees when
services link: NickServ's greeting, then ``CAP DEL :sasl`` and ``CAP NEW :sasl=…``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from successbot.adapters.irc.backoff import Backoff
from successbot.adapters.irc.login import EXIT_AUTH_FAILED, TRANSITIONS, Login, LoginError, Phase, Step
from successbot.adapters.irc.registration import SaslCredentials, plain_lines

CAPS = "account-notify account-tag cap-notify extended-join message-tags multi-prefix server-time"
LS_SASL = f"{CAPS} sasl=EXTERNAL,PLAIN"
REQ = "CAP REQ :server-time account-tag extended-join account-notify message-tags multi-prefix cap-notify"
PAYLOAD = tuple(plain_lines(SaslCredentials("sbot", "botpass")))
IDENTIFY = "PRIVMSG NickServ :IDENTIFY sbot botpass"
GREETING = [
    ":NickServ!services@services.test NOTICE sbot :This nickname is registered and protected.  If it is your",
    ":NickServ!services@services.test NOTICE sbot :nick, type /msg NickServ IDENTIFY password.  Otherwise,",
    ":NickServ!services@services.test NOTICE sbot :please choose a different nick.",
]
SERVICES_LINK = [*GREETING, ":irc.test CAP sbot DEL :sasl", ":irc.test CAP sbot NEW :sasl=EXTERNAL,PLAIN"]
LOGGED_IN = ":irc.test 900 sbot sbot!sbot@127.0.0.1 sbot :You are now logged in as sbot"
SASL_FAILURES = {"902": "nicklocked", "904": "saslfail", "905": "sasltoolong", "906": "saslaborted"}


def feed(login: Login, line: str, now: float = 0.0) -> Step:
    """One server line, handed to the login as IrcBot hands it over."""
    head, colon, trailing = line.partition(" :")
    words = head.split(" ")
    source = words.pop(0)[1:] if words[0].startswith(":") else ""
    command, params = words[0], words[1:]
    trailing = trailing if colon else params[-1]
    middle = params[1:]  # after the target
    if command == "CAP":
        return login.on_cap([*middle, trailing], now)
    if command == "AUTHENTICATE":
        return login.on_authenticate(trailing, now)
    if command == "001":
        return login.on_welcome(now)
    if command == "900":
        return login.on_logged_in(middle[1], now)
    if command == "901":
        return login.on_logged_out(now)
    if command == "903":
        return login.on_sasl_success(now)
    if command == "907":
        return login.on_sasl_already(now)
    if command == "908":
        login.on_sasl_mechanisms(middle[0], now)
        return Step()
    if command in SASL_FAILURES:
        return login.on_sasl_failure(SASL_FAILURES[command], trailing, now)
    if command == "401":
        return login.on_no_such_nick(middle[0], now)
    if command == "NOTICE" and source.lower().startswith("nickserv!"):
        return login.on_nickserv_notice(trailing, now)
    if command == "ACCOUNT" and source.startswith("sbot!"):
        return login.on_account(None if trailing == "*" else trailing, now)
    raise AssertionError(f"feed does not know {line!r}")


def feed_all(login: Login, lines: list[str], now: float = 0.0) -> Step:
    step = Step()
    for line in lines:
        step = step.then(feed(login, line, now))
    return step


def make(method: str = "sasl", *, require_login: bool = False, password: str | None = "botpass") -> Login:
    # No jitter: retries come 10, 20, 40 … 300 s after the attempt that failed.
    return Login(method, "sbot", password, require_login=require_login, retry=Backoff(10, 2, 300, uniform=_one))


def _one(_low: float, _high: float) -> float:
    return 1.0


def register_without_sasl(login: Login, now: float = 0.0) -> Step:
    """LS without sasl (services not linked), CAP END, 001."""
    assert feed(login, f":irc.test CAP * LS :{CAPS}", now).send == (REQ,)
    assert feed(login, f":irc.test CAP * ACK :{CAPS}", now).send == ("CAP END",)
    assert login.phase is Phase.REGISTERING
    return feed(login, ":irc.test 001 sbot :Welcome", now)


def register_with_sasl(login: Login, now: float = 0.0) -> Step:
    assert feed(login, f":irc.test CAP * LS :{LS_SASL}", now).send == (f"{REQ} sasl",)
    assert feed(login, f":irc.test CAP * ACK :{CAPS} sasl", now).send == ("AUTHENTICATE PLAIN",)
    assert login.phase is Phase.SASL
    assert feed(login, "AUTHENTICATE +", now).send == PAYLOAD
    assert feed_all(login, [LOGGED_IN, ":sbot!sbot@127.0.0.1 ACCOUNT :sbot"], now) == Step()
    assert feed(login, ":irc.test 903 sbot :SASL authentication successful", now).send == ("CAP END",)
    return feed(login, ":irc.test 001 sbot :Welcome", now)


SCENARIOS: list[Callable[[], None]] = []


def scenario(test: Callable[[], None]) -> Callable[[], None]:
    """A test that ``test_every_allowed_transition_is_exercised`` also runs."""
    SCENARIOS.append(test)
    return test


# --- at registration ---


@scenario
def test_sasl_at_registration_logs_in_before_the_welcome_and_joins_at_once():
    login = make()
    step = register_with_sasl(login)
    assert step == Step(join=True)
    assert login.phase is Phase.LOGGED_IN and login.logged_in_as == "sbot"


@scenario
def test_without_sasl_identifies_after_the_welcome_and_joins_when_nickserv_confirms():
    login = make()
    assert register_without_sasl(login, now=0) == Step((IDENTIFY,))
    assert login.phase is Phase.IDENTIFYING
    assert login.tick(10) == Step()  # still within the wait: not joined yet
    assert feed(login, LOGGED_IN, now=11) == Step(join=True, logged_in=True)
    assert login.phase is Phase.LOGGED_IN


@scenario
def test_a_late_answer_from_nickserv_still_counts():
    login = make("nickserv")
    register_without_sasl(login, 0)
    assert login.tick(15) == Step(join=True)
    assert login.phase is Phase.WAITING
    assert feed(login, LOGGED_IN, 17) == Step(join=True, logged_in=True)
    assert login.phase is Phase.LOGGED_IN


@scenario
def test_nickserv_words_count_where_the_server_sends_no_900():
    login = make("nickserv")
    assert feed(login, ":irc.test 001 sbot :Welcome", 0).send == (IDENTIFY,)  # a server without CAP
    ok = ":NickServ!NickServ@services. NOTICE sbot :You are now identified for \x02sbot\x02."
    assert feed(login, ok, 1) == Step(join=True, logged_in=True)
    assert login.phase is Phase.LOGGED_IN


@scenario
def test_no_login_configured_joins_at_the_welcome():
    for login in (make("none"), make("sasl", password=None)):
        assert feed(login, f":irc.test CAP * LS :{LS_SASL}").send == (REQ,)  # no sasl asked for
        feed(login, f":irc.test CAP * ACK :{CAPS}")
        assert feed(login, ":irc.test 001 sbot :Welcome") == Step(join=True)
        assert login.phase is Phase.NO_LOGIN
        assert login.tick(10_000) == Step()


def test_cap_notify_is_requested_so_that_the_server_announces_sasl_later():
    assert "cap-notify" in REQ.split()


@scenario
def test_sasl_mechanism_not_available_at_registration_falls_back_to_nickserv():
    login = make()
    feed(login, f":irc.test CAP * LS :{LS_SASL}")
    feed(login, f":irc.test CAP * ACK :{CAPS} sasl")
    feed(login, ":irc.test 908 sbot EXTERNAL :are available SASL mechanisms")
    assert feed(login, ":irc.test 904 sbot :SASL authentication failed").send == ("CAP END",)
    assert login.phase is Phase.REGISTERING
    assert feed(login, ":irc.test 001 sbot :Welcome").send == (IDENTIFY,)  # NickServ first, SASL later


@scenario
def test_services_that_never_answer_sasl_at_registration_do_not_hold_it_forever():
    login = make()
    feed(login, f":irc.test CAP * LS :{LS_SASL}", 0)
    feed(login, f":irc.test CAP * ACK :{CAPS} sasl", 0)
    assert login.tick(14.9) == Step()
    assert login.tick(15).send == ("AUTHENTICATE *", "CAP END")
    assert login.phase is Phase.REGISTERING
    assert feed(login, "AUTHENTICATE +", 16).send == ("AUTHENTICATE *",)  # too late: no password sent
    assert feed(login, ":irc.test 906 sbot :SASL authentication aborted", 16) == Step()


@scenario
def test_sasl_withdrawn_during_registration_registers_without_it():
    login = make()
    feed(login, f":irc.test CAP * LS :{LS_SASL}")
    feed(login, f":irc.test CAP * ACK :{CAPS} sasl")
    assert feed(login, ":irc.test CAP sbot DEL :sasl").send == ("CAP END",)
    assert login.phase is Phase.REGISTERING


def test_sasl_announced_between_ls_and_the_welcome_is_requested_at_the_welcome():
    login = make()
    feed(login, f":irc.test CAP * LS :{CAPS}")
    assert feed(login, ":irc.test CAP * NEW :sasl=PLAIN") == Step()  # the REQ of the registration is under way
    feed(login, f":irc.test CAP * ACK :{CAPS}")
    assert feed(login, ":irc.test 001 sbot :Welcome").send == ("CAP REQ :sasl", IDENTIFY)
    assert feed(login, ":irc.test 401 sbot NickServ :No such nick").send == ()
    assert feed(login, ":irc.test CAP sbot ACK :sasl").send == ("AUTHENTICATE PLAIN",)


# --- the exit status ---


@scenario
def test_wrong_password_at_registration_means_exit_status_2():
    login = make()
    feed(login, f":irc.test CAP * LS :{LS_SASL}")
    feed(login, f":irc.test CAP * ACK :{CAPS} sasl")
    feed(login, "AUTHENTICATE +")
    step = feed(login, ":irc.test 904 sbot :SASL authentication failed")
    assert step == Step(exit_status=EXIT_AUTH_FAILED)
    assert login.phase is Phase.FAILED
    assert feed(login, ":irc.test 001 sbot :Welcome") == Step()  # nothing more from a failed login


def test_a_refused_sasl_login_is_one_error_line_without_the_password(caplog):
    login = make()
    feed(login, f":irc.test CAP * LS :{LS_SASL}")
    feed(login, f":irc.test CAP * ACK :{CAPS} sasl")
    with caplog.at_level(logging.DEBUG, logger="successbot.adapters.irc.login"):
        feed(login, ":irc.test 904 sbot :SASL authentication failed")
        feed(login, ":irc.test 906 sbot :SASL authentication aborted")
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["SASL login as sbot failed: SASL authentication failed; check [irc] account and password"]
    assert "botpass" not in caplog.text


@scenario
def test_wrong_password_in_the_middle_of_the_connection_means_exit_status_2_too():
    login = make()
    register_without_sasl(login)
    feed_all(login, [":irc.test 401 sbot NickServ :No such nick", *SERVICES_LINK[3:]], 1)
    assert feed(login, ":irc.test CAP sbot ACK :sasl", 1).send == ("AUTHENTICATE PLAIN",)
    feed(login, "AUTHENTICATE +", 1)
    assert feed(login, ":irc.test 904 sbot :SASL authentication failed", 1).exit_status == EXIT_AUTH_FAILED
    assert login.phase is Phase.FAILED
    assert login.tick(1000) == Step()  # no join, no retry


def test_a_locked_nick_is_a_refusal_too():
    login = make()
    feed(login, f":irc.test CAP * LS :{LS_SASL}")
    feed(login, f":irc.test CAP * ACK :{CAPS} sasl")
    assert feed(login, ":irc.test 902 sbot :You must use a nick assigned to you").exit_status == EXIT_AUTH_FAILED


# --- SASL announced later ---


@scenario
def test_no_sasl_at_first_then_cap_new_sasl_logs_in_mid_connection():
    login = make()
    assert register_without_sasl(login, 0).send == (IDENTIFY,)
    assert feed(login, ":irc.test 401 sbot NickServ :No such nick", 0) == Step()
    assert login.phase is Phase.WAITING
    assert login.tick(15) == Step((IDENTIFY,), join=True)  # joined without the login; the retry timer
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 15)
    assert feed(login, ":irc.test CAP sbot NEW :sasl=EXTERNAL,PLAIN", 20).send == ("CAP REQ :sasl",)
    assert feed(login, ":irc.test CAP sbot ACK :sasl", 20).send == ("AUTHENTICATE PLAIN",)
    assert login.phase is Phase.RELOGIN_SASL
    assert feed(login, "AUTHENTICATE +", 20).send == PAYLOAD
    assert feed(login, LOGGED_IN, 20) == Step(join=True, logged_in=True)
    assert login.phase is Phase.LOGGED_IN
    assert feed(login, ":irc.test 903 sbot :SASL authentication successful", 20) == Step()


@scenario
def test_services_linking_greet_and_announce_sasl_but_only_one_login_is_under_way():
    login = make()
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    login.tick(15)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 15)
    # What InspIRCd + Anope send a connected client when services link, all at once.
    step = feed_all(login, SERVICES_LINK, 30)
    assert step.send == (IDENTIFY, "CAP REQ :sasl")
    assert feed(login, ":irc.test CAP sbot ACK :sasl", 30) == Step()  # the IDENTIFY is answered first
    assert feed(login, LOGGED_IN, 30) == Step(join=True, logged_in=True)
    assert login.phase is Phase.LOGGED_IN


@scenario
def test_sasl_preferred_once_nickserv_did_not_answer():
    login = make()
    register_without_sasl(login, 0)
    feed_all(login, [GREETING[0], *SERVICES_LINK[3:]], 1)  # IDENTIFY sent, then sasl is announced
    assert feed(login, ":irc.test CAP sbot ACK :sasl", 1) == Step()
    # NickServ never answers the IDENTIFY: SASL comes next at once, without waiting for the backoff.
    assert login.tick(16).send == ("AUTHENTICATE PLAIN",)
    assert login.phase is Phase.RELOGIN_SASL


@scenario
def test_sasl_mechanism_not_available_mid_connection_keeps_the_bot_and_tries_later():
    login = make("sasl")
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    feed_all(login, SERVICES_LINK[3:], 1)
    feed(login, ":irc.test CAP sbot ACK :sasl", 1)
    feed(login, ":irc.test 908 sbot EXTERNAL :are available SASL mechanisms", 1)
    assert feed(login, ":irc.test 904 sbot :SASL authentication failed", 1) == Step()
    assert login.phase is Phase.WAITING
    # NickServ next (SASL just failed), after the backoff (the second delay: 20 s), not at once.
    assert login.tick(14) == Step()
    assert login.tick(20.9) == Step(join=True)
    assert login.tick(21).send == (IDENTIFY,)


@scenario
def test_an_aborted_sasl_exchange_mid_connection_is_tried_again_later():
    login = make("sasl")
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    feed_all(login, SERVICES_LINK[3:], 1)
    feed(login, ":irc.test CAP sbot ACK :sasl", 1)
    assert feed(login, ":irc.test 906 sbot :SASL authentication aborted", 1).exit_status is None
    assert login.phase is Phase.WAITING


@scenario
def test_services_that_never_answer_sasl_mid_connection_give_up_the_exchange():
    login = make("sasl")
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    feed_all(login, SERVICES_LINK[3:], 1)
    feed(login, ":irc.test CAP sbot ACK :sasl", 1)
    assert login.tick(16).send == ("AUTHENTICATE *",)
    assert login.phase is Phase.WAITING
    assert feed(login, "AUTHENTICATE +", 17).send == ("AUTHENTICATE *",)  # never the password, late


@scenario
def test_cap_del_sasl_mid_exchange_goes_back_to_waiting():
    login = make("sasl")
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    feed_all(login, SERVICES_LINK[3:], 1)
    feed(login, ":irc.test CAP sbot ACK :sasl", 1)
    assert feed(login, ":irc.test CAP sbot DEL :sasl", 2) == Step()
    assert login.phase is Phase.WAITING
    assert not login.caps.sasl_usable
    assert login.tick(21.9).send == ()
    assert login.tick(22).send == (IDENTIFY,)  # without SASL NickServ is all there is


# --- NickServ silent, then back ---


@scenario
def test_nickserv_silent_then_speaking_gets_identified():
    login = make("nickserv")
    assert register_without_sasl(login, 0).send == (IDENTIFY,)
    assert login.tick(15) == Step(join=True)  # no answer in the wait: joined, now WAITING
    assert login.phase is Phase.WAITING
    assert login.tick(24.9) == Step()
    assert login.tick(25).send == (IDENTIFY,)  # the timer: 10 s after giving up
    assert login.tick(40) == Step()  # silent again; the next in 20 s
    # NickServ speaks (Anope greets a registered nick as it links): identify now, not in 20 s.
    assert feed(login, GREETING[0], 45).send == (IDENTIFY,)
    assert feed_all(login, GREETING[1:], 45) == Step()  # one attempt at a time
    assert feed(login, LOGGED_IN, 45) == Step(join=True, logged_in=True)


def test_nickserv_retries_back_off_while_services_are_away():
    login = make("nickserv")
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    attempts, now = [], 0.0
    while now < 2000:
        now += 0.5
        if login.tick(now).send == (IDENTIFY,):
            attempts.append(now)
            feed(login, ":irc.test 401 sbot NickServ :No such nick", now)
    gaps = [later - earlier for earlier, later in zip([0.0, *attempts], attempts, strict=False)]
    assert gaps[:6] == [10, 20, 40, 80, 160, 300]
    assert set(gaps[5:]) == {300}


def test_nickserv_greeting_right_after_an_attempt_waits_a_few_seconds():
    login = make("nickserv")
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    assert feed(login, GREETING[0], 2) == Step()  # 2 s after the last IDENTIFY: not yet
    assert login.tick(4.9) == Step()
    assert login.tick(5).send == (IDENTIFY,)  # earlier than the 10 s timer


@scenario
def test_a_refused_nickserv_password_is_not_sent_again():
    login = make("nickserv")
    register_without_sasl(login, 0)
    assert feed(login, ":NickServ!services@services.test NOTICE sbot :Password incorrect.", 1) == Step()
    assert login.phase is Phase.WAITING
    assert login.tick(15) == Step(join=True)
    assert login.tick(10_000) == Step()
    assert feed(login, GREETING[0], 10_001) == Step()


def test_the_greeting_or_a_negative_is_no_answer_to_identify():
    login = make("nickserv")
    register_without_sasl(login, 0)
    assert feed(login, GREETING[0], 1) == Step()  # the greeting is no answer to IDENTIFY
    assert login.phase is Phase.IDENTIFYING
    refusal = ":NickServ!services@services.test NOTICE sbot :You are not identified."
    assert feed(login, refusal, 1) == Step()
    assert login.phase is Phase.IDENTIFYING


# --- require_login ---


def test_require_login_false_joins_after_the_wait_with_one_warning(caplog):
    login = make("nickserv")
    register_without_sasl(login, 0)
    with caplog.at_level(logging.INFO, logger="successbot.adapters.irc.login"):
        assert login.tick(14.9) == Step()
        assert login.tick(15).join
        for now in range(16, 2000):
            step = login.tick(now)
            assert not step.join
            if step.send:
                feed(login, ":irc.test 401 sbot NickServ :No such nick", now)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["not logged in as sbot after 15s; joining the channels anyway and still trying"]


@scenario
def test_require_login_true_never_joins_before_the_login():
    login = make("sasl", require_login=True)
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    for now in range(1, 3000):
        step = login.tick(now)
        assert not step.join
        if step.send:
            feed(login, ":irc.test 401 sbot NickServ :No such nick", now)
    assert login.phase is Phase.WAITING
    feed_all(login, SERVICES_LINK[3:], 3000)
    feed(login, ":irc.test CAP sbot ACK :sasl", 3000)
    feed(login, "AUTHENTICATE +", 3000)
    assert feed(login, LOGGED_IN, 3000).join


def test_require_login_true_warns_once(caplog):
    login = make("nickserv", require_login=True)
    register_without_sasl(login, 0)
    with caplog.at_level(logging.WARNING, logger="successbot.adapters.irc.login"):
        assert not login.tick(15).join
        assert not login.tick(60).join
    assert [r.getMessage() for r in caplog.records] == [
        "not logged in as sbot after 15s; joining no channel until the login succeeds (require_login)"
    ]


# --- logged out ---


@scenario
def test_logged_out_by_account_notify_logs_in_again_by_sasl():
    login = make()
    register_with_sasl(login)
    assert feed(login, ":sbot!sbot@127.0.0.1 ACCOUNT :*", 50).send == ("AUTHENTICATE PLAIN",)
    assert login.phase is Phase.RELOGIN_SASL
    assert feed(login, ":irc.test 901 sbot sbot!sbot@127.0.0.1 :You are now logged out", 50) == Step()
    assert feed(login, "AUTHENTICATE +", 50).send == PAYLOAD
    assert feed(login, ":irc.test 903 sbot :SASL authentication successful", 50) == Step(join=True, logged_in=True)
    assert login.phase is Phase.LOGGED_IN


@scenario
def test_logged_out_by_901_identifies_again_with_nickserv():
    login = make("nickserv")
    register_without_sasl(login, 0)
    feed(login, LOGGED_IN, 1)
    assert feed(login, ":irc.test 901 sbot sbot!sbot@127.0.0.1 :You are now logged out", 60).send == (IDENTIFY,)
    assert login.phase is Phase.IDENTIFYING
    assert feed(login, ":sbot!sbot@127.0.0.1 ACCOUNT :sbot", 60) == Step(join=True, logged_in=True)


@scenario
def test_services_say_already_logged_in_mid_connection():
    login = make()
    register_without_sasl(login, 0)
    feed(login, ":irc.test 401 sbot NickServ :No such nick", 0)
    feed_all(login, SERVICES_LINK[3:], 1)
    feed(login, ":irc.test CAP sbot ACK :sasl", 1)
    assert feed(login, ":irc.test 907 sbot :You have already authenticated", 1).logged_in
    assert login.phase is Phase.LOGGED_IN


@scenario
def test_nothing_to_try_without_sasl_once_nickserv_refused():
    login = make("sasl")
    register_without_sasl(login, 0)
    feed(login, ":NickServ!services@services.test NOTICE sbot :Password incorrect.", 1)
    feed(login, ":irc.test CAP sbot NEW :sasl=PLAIN", 2)
    feed(login, ":irc.test CAP sbot ACK :sasl", 2)
    assert login.phase is Phase.RELOGIN_SASL
    feed(login, ":irc.test CAP sbot DEL :sasl", 3)
    assert login.phase is Phase.WAITING
    assert login.tick(10_000) == Step(join=True)  # the join, and no retry: nothing left to try
    feed(login, ":irc.test CAP sbot NEW :sasl=PLAIN", 10_001)
    assert feed(login, ":irc.test CAP sbot ACK :sasl", 10_001).send == ("AUTHENTICATE PLAIN",)


def test_logged_in_bot_ignores_sasl_coming_and_going():
    login = make()
    register_with_sasl(login)
    assert feed_all(login, SERVICES_LINK, 5).send == ("CAP REQ :sasl",)
    assert feed(login, ":irc.test CAP sbot ACK :sasl", 5) == Step()
    assert login.phase is Phase.LOGGED_IN


# --- the machine itself ---


def test_every_allowed_transition_is_exercised(monkeypatch):
    seen: set[tuple[Phase, Phase]] = set()
    go = Login._go

    def recording(self: Login, phase: Phase) -> None:
        before = self.phase
        go(self, phase)
        if self.phase is not before:
            seen.add((before, self.phase))

    monkeypatch.setattr(Login, "_go", recording)
    for test in SCENARIOS:
        test()
    allowed = {(start, end) for start, ends in TRANSITIONS.items() for end in ends}
    assert seen <= allowed
    assert allowed - seen == set()


def test_a_transition_not_in_the_table_is_refused():
    login = make()
    with pytest.raises(LoginError, match="NEGOTIATING to LOGGED_IN"):
        login._go(Phase.LOGGED_IN)


def test_the_password_never_shows_in_a_repr():
    login = make()
    assert "botpass" not in repr(login) and "botpass" not in repr(login.caps)


SERVER_LINES = st.sampled_from(
    [
        f":irc.test CAP * LS :{LS_SASL}",
        f":irc.test CAP * LS :{CAPS}",
        f":irc.test CAP * ACK :{CAPS} sasl",
        f":irc.test CAP * ACK :{CAPS}",
        ":irc.test CAP * NAK :sasl",
        ":irc.test CAP sbot ACK :sasl",
        ":irc.test CAP sbot NEW :sasl=EXTERNAL,PLAIN",
        ":irc.test CAP sbot DEL :sasl",
        "AUTHENTICATE +",
        ":irc.test 001 sbot :Welcome",
        LOGGED_IN,
        ":irc.test 901 sbot sbot!sbot@127.0.0.1 :You are now logged out",
        ":irc.test 902 sbot :You must use a nick assigned to you",
        ":irc.test 903 sbot :SASL authentication successful",
        ":irc.test 904 sbot :SASL authentication failed",
        ":irc.test 906 sbot :SASL authentication aborted",
        ":irc.test 907 sbot :You have already authenticated",
        ":irc.test 908 sbot EXTERNAL :are available SASL mechanisms",
        ":irc.test 401 sbot NickServ :No such nick",
        ":sbot!sbot@127.0.0.1 ACCOUNT :*",
        ":sbot!sbot@127.0.0.1 ACCOUNT :sbot",
        ":NickServ!services@services.test NOTICE sbot :Password accepted - you are now recognized.",
        ":NickServ!services@services.test NOTICE sbot :Password incorrect.",
        *GREETING,
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["sasl", "nickserv", "none"]),
    events=st.lists(st.tuples(SERVER_LINES | st.none(), st.floats(0, 400)), max_size=40),
)
def test_any_order_of_server_lines_keeps_the_machine_in_its_table(method, events):
    """Whatever the server sends, in any order: no refused transition, and the password only where it belongs."""
    login = make(method)
    now = 0.0
    for line, delay in events:
        now += delay
        step = login.tick(now) if line is None else feed(login, line, now)
        for sent in step.send:
            assert "botpass" not in sent or sent == IDENTIFY or sent in PAYLOAD
            assert login.phase in (Phase.SASL, Phase.RELOGIN_SASL, Phase.IDENTIFYING) or "botpass" not in sent
        if step.exit_status is not None:
            assert login.phase is Phase.FAILED

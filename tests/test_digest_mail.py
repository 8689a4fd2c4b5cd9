"""Mailing the weekly digest through a real SMTP server (aiosmtpd on loopback, its own process; see smtpserver.py).

The claims are the SQL ones on a real migrated database; the clock is fixed.
Nothing here stands in for smtplib: every mail goes over a socket to a server
that writes what it accepted to a directory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from smtpserver import Received, SmtpServer, free_port, start_smtp
from successbot.adapters.mail import SmtpSender
from successbot.announcements.digest_mail import DigestMailer, digest_period
from successbot.announcements.plan import parse_weekly_time
from successbot.config import ConfigError, load_config
from successbot.core.clock import FixedClock
from successbot.core.ports import MailDeliveryError
from successbot.core.successes import NewSuccess
from successbot.core.weeks import Period
from successbot.runtime.app import open_app
from successbot.runtime.jobs import BotScheduler, build_digest_mailer
from successbot.storage.claims import SqlAnnouncementStore

MONDAY_0900 = datetime(2016, 3, 14, 9, 0, tzinfo=UTC)  # the digest of 2016-W10 (Mar 7-13) is due
PASSWORD = "s3cret-Digest-pw"


def text_of(period: Period) -> str:
    return f"SuccessBot Says, {period.label}\n  • alice: fixed the gate • again\n"


def write_config(tmp_path: Path, database_url: str, check_every: str = "0.2s", **digest: str) -> Path:
    settings = {"mail_to": "dev@lists.example.org", "mail_from": "successbot@example.org", **digest}
    path = tmp_path / "bot.ini"
    path.write_text(
        f"[database]\nurl = {database_url}\n[announce]\ncheck_every = {check_every}\n[digest]\n"
        + "".join(f"{key} = {value}\n" for key, value in settings.items()),
        encoding="utf-8",
    )
    return path


def body_of(received: Received) -> str:
    """The text as the bot wrote it: on the wire (and so in the stored mail) its lines end in CRLF."""
    return received.message.get_content().replace("\r\n", "\n")


@pytest.fixture(scope="module")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    """One SMTP server process for the module (starting one cost 0.3 s a test); ``smtp`` empties it per test."""
    server = start_smtp(tmp_path_factory.mktemp("mail"))
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    """The module's SMTP server with nothing received yet, as a new one would be."""
    for path in smtp_server.directory.iterdir():
        path.unlink()
    assert smtp_server.received() == []
    return smtp_server


@pytest.fixture
def make_mailer(tmp_path: Path, database_url: str, engine) -> Callable[..., DigestMailer]:
    """A mailer of one instance (``instance``) on the test's database, sending to ``port``."""

    def make(port: int, instance: str = "host:1", **digest: str) -> DigestMailer:
        config = load_config(write_config(tmp_path, database_url, smtp_host="127.0.0.1", smtp_port=str(port), **digest))
        settings = config.digest
        return DigestMailer(
            send_at=parse_weekly_time("mon 09:00"),
            claims=SqlAnnouncementStore(engine, instance, timedelta(minutes=5)),
            sender=SmtpSender(settings),
            render=text_of,
            mail_from=settings.mail_from or "",
            mail_to=settings.mail_to,
            network=lambda: "OFTC",
        )

    return make


def test_the_digest_arrives_once_with_its_subject_message_id_addresses_and_body(smtp, make_mailer):
    mailer = make_mailer(smtp.port)
    assert mailer.run_due(MONDAY_0900 - timedelta(minutes=1)) is None  # W09's was due a week ago: given up on
    assert smtp.received() == []
    mailed = mailer.run_due(MONDAY_0900 + timedelta(seconds=5))
    assert mailed is not None and mailed.label == "2016-W10"
    assert mailer.run_due(MONDAY_0900 + timedelta(seconds=35)) is None  # the next check: already sent
    (received,) = smtp.received()
    message = received.message
    assert message["Subject"] == "successbot digest 2016-W10"
    assert message["From"] == "successbot@example.org"
    assert message["To"] == "dev@lists.example.org"
    assert received.mail_from == "successbot@example.org"
    assert received.rcpt_tos == ["dev@lists.example.org"]
    assert message["Message-ID"].startswith("<successbot-digest-2016-W10.")
    assert message["Message-ID"].endswith("@example.org>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert body_of(received) == "SuccessBot Says, 2016-W10\n  • alice: fixed the gate • again\n"


def test_a_second_instance_on_the_same_database_does_not_mail_it_again(smtp, make_mailer):
    assert make_mailer(smtp.port, instance="host:1").run_due(MONDAY_0900 + timedelta(seconds=1)) is not None
    other = make_mailer(smtp.port, instance="host:2")
    assert other.run_due(MONDAY_0900 + timedelta(seconds=2)) is None
    assert other.run_due(MONDAY_0900 + timedelta(hours=3)) is None  # long after any claim went stale: it was sent
    assert len(smtp.received()) == 1


class CountedChecks:
    """A mailer that counts how often the scheduler has asked it to check."""

    def __init__(self, mailer: DigestMailer) -> None:
        self.mailer, self.checks = mailer, 0

    def run_due(self, at: datetime) -> object:
        try:
            return self.mailer.run_due(at)
        finally:
            self.checks += 1


def test_across_a_restart_the_running_scheduler_mails_the_digest_once(smtp, tmp_path, database_url):
    """Two runs of the bot's own scheduler, one after the other, on one database: one mail."""
    settings = {"smtp_host": "127.0.0.1", "smtp_port": str(smtp.port)}
    config = load_config(write_config(tmp_path, database_url, check_every="0.05s", **settings))
    clock = FixedClock(MONDAY_0900 + timedelta(minutes=2))
    for run in range(2):
        app = open_app(config)
        app.successes.add(NewSuccess(f"restart {run} works", "alice", "#dev", MONDAY_0900 - timedelta(days=2)))
        mailer = CountedChecks(build_digest_mailer(app, lambda: "OFTC"))
        jobs = BotScheduler(app, None, clock, mailer)  # type: ignore[arg-type]
        jobs.start(first_run_now=False)  # "now" would be the fixed clock's 2016 to APScheduler's real time
        try:
            deadline = time.monotonic() + 10
            while not smtp.received() and time.monotonic() < deadline:
                time.sleep(0.01)
            checked = mailer.checks
            while mailer.checks < checked + 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert mailer.checks >= checked + 5  # five more checks: none may mail again
        finally:
            jobs.stop()
            app.close()
    (received,) = smtp.received()
    body = body_of(received)
    assert body.startswith("Digest 2016-W10 (Mon 7 Mar to Sun 13 Mar 2016)\n")  # as successbot digest writes it
    assert "SuccessBot Says" in body and "• alice: restart 0 works" in body
    assert "restart 1" not in body


def test_a_refused_connection_is_one_log_line_and_the_next_check_mails_it(tmp_path, make_mailer, caplog):
    port = free_port()  # nothing listens there yet
    mailer = make_mailer(port)
    with caplog.at_level(logging.INFO, logger="successbot"):
        assert mailer.run_due(MONDAY_0900) is None
    (line,) = [record for record in caplog.records if record.name.startswith("successbot")]
    assert line.levelno == logging.ERROR
    assert line.getMessage() == (
        f"digest 2016-W10 not mailed: cannot reach 127.0.0.1:{port}: Connection refused; trying again at the next check"
    )
    assert line.exc_info is None
    server = start_smtp(tmp_path / "late", port=port)
    try:
        assert mailer.run_due(MONDAY_0900 + timedelta(seconds=30)) is not None
        assert mailer.run_due(MONDAY_0900 + timedelta(seconds=60)) is None
        assert len(server.received()) == 1
    finally:
        server.stop()


def test_a_bad_login_is_one_log_line_without_the_password_and_is_retried(tmp_path, make_mailer, caplog, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.write_text("digest:the-servers-own-password\n", encoding="utf-8")
    server = start_smtp(tmp_path / "auth", credentials=credentials)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    try:
        mailer = make_mailer(server.port, smtp_user="digest", smtp_password_env="TEST_SMTP_PASSWORD")
        with caplog.at_level(logging.DEBUG):
            assert mailer.run_due(MONDAY_0900) is None
            (line,) = [record for record in caplog.records if record.name.startswith("successbot")]
            assert line.getMessage() == (
                f"digest 2016-W10 not mailed: 127.0.0.1:{server.port} refused the login as 'digest': "
                "535 5.7.8 Authentication credentials invalid; trying again at the next check"
            )
            credentials.write_text(f"digest:{PASSWORD}\n", encoding="utf-8")  # the account is set up right
            assert mailer.run_due(MONDAY_0900 + timedelta(seconds=30)) is not None
            assert mailer.run_due(MONDAY_0900 + timedelta(seconds=60)) is None
        assert PASSWORD not in caplog.text
        assert PASSWORD not in repr(mailer)
        assert len(server.received()) == 1
    finally:
        server.stop()


def test_a_digest_no_server_took_for_a_day_is_left_unsent_with_a_log_line(make_mailer, engine, caplog):
    mailer = make_mailer(free_port())
    with caplog.at_level(logging.INFO, logger="successbot"):
        assert mailer.run_due(MONDAY_0900 + timedelta(days=1, minutes=1)) is None
    assert [r.getMessage() for r in caplog.records] == [
        "digest 2016-W10 left unsent: not mailed: due Mon 14 Mar 2016 09:00 UTC, no server took it within 1 day"
    ]
    records = SqlAnnouncementStore(engine, "x", timedelta(minutes=5)).records_since(MONDAY_0900)
    assert [record.status for record in records.values()] == ["skipped"]


def test_the_claim_is_released_when_the_server_refuses_so_another_instance_may_retry(make_mailer, engine):
    port = free_port()
    make_mailer(port, instance="host:1").run_due(MONDAY_0900)
    assert SqlAnnouncementStore(engine, "x", timedelta(minutes=5)).records_since(MONDAY_0900) == {}


def test_no_mail_while_the_network_is_not_known_yet(smtp, make_mailer):
    mailer = make_mailer(smtp.port)
    mailer.network = lambda: None
    assert mailer.run_due(MONDAY_0900) is None
    assert smtp.received() == []


def test_a_sunday_digest_covers_the_week_before_the_one_ending_that_day():
    assert digest_period(MONDAY_0900).label == "2016-W10"
    assert digest_period(datetime(2016, 3, 13, 23, 0, tzinfo=UTC)).label == "2016-W09"  # W10 is not over yet


def test_the_sender_names_the_server_and_nothing_of_the_login_when_nothing_listens(tmp_path, database_url):
    port = free_port()
    config = load_config(write_config(tmp_path, database_url, smtp_host="127.0.0.1", smtp_port=str(port)))
    with pytest.raises(MailDeliveryError, match=rf"^cannot reach 127\.0\.0\.1:{port}: Connection refused$"):
        SmtpSender(config.digest).send(_message())


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "t", "a@example.org", "b@example.org"
    message.set_content("t")
    return message


@pytest.mark.parametrize(
    ("digest", "problem"),
    [
        ({"mail_from": ""}, "[digest] mail_from: expected a From: address (mail_from) to mail the digest to mail_to"),
        ({"mail_to": "not-an-address"}, "[digest] mail_to: expected mail addresses such as dev@example.org"),
        ({"smtp_user": "digest"}, "[digest] smtp_user: expected a password (smtp_password_env or smtp_password_file)"),
        ({"send_at": "someday"}, "[digest] send_at: expected a weekday and a UTC time such as fri 15:00, or off"),
        (
            {"smtp_host": "mail.example.org", "smtp_user": "digest", "smtp_password": "x"},
            "[digest] starttls: expected starttls = true to log in to mail.example.org",
        ),
    ],
)
def test_check_config_names_a_bad_digest_setting(tmp_path, digest, problem):
    with pytest.raises(ConfigError) as raised:
        load_config(write_config(tmp_path, "sqlite:///x.db", **digest))
    assert problem in str(raised.value)


def test_the_smtp_password_from_the_environment_never_shows_in_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    path = write_config(tmp_path, "sqlite:///x.db", smtp_user="digest", smtp_password_env="TEST_SMTP_PASSWORD")
    settings = load_config(path).digest
    assert settings.smtp_password is not None and settings.smtp_password.reveal() == PASSWORD
    assert PASSWORD not in repr(settings)


def test_a_send_at_changed_after_the_digest_went_out_does_not_mail_that_week_again(smtp, make_mailer):
    assert make_mailer(smtp.port).run_due(MONDAY_0900) is not None
    moved = make_mailer(smtp.port, instance="host:2")
    moved.send_at = parse_weekly_time("tue 10:00")
    assert moved.run_due(MONDAY_0900 + timedelta(days=1, hours=1, minutes=1)) is None
    assert len(smtp.received()) == 1

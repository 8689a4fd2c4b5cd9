"""The digest mail from ``successbot run`` itself: two bots on one database, a real IRC network, a real SMTP server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from smtpserver import start_smtp
from successbot.announcements.digest_mail import digest_period
from successbot.announcements.plan import WEEKDAYS
from successbot.storage.database import SCHEMA_REVISION, current_revision, make_engine

pytestmark = pytest.mark.irc

PASSWORD = "digest-Pw-in-env-only"
CHECK_EVERY = 0.5  # [announce] check_every, in seconds: how often each bot looks whether the digest is due


def wait_for_current_schema(url: str, timeout: float = 20.0) -> None:
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + timeout
        while current_revision(engine) != SCHEMA_REVISION:
            assert time.monotonic() < deadline, f"{url} not upgraded within {timeout}s"
            time.sleep(0.05)
    finally:
        engine.dispose()


def test_two_bots_and_a_restart_on_one_database_mail_the_digest_once(irc_network, start_bot, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(f"digest:{PASSWORD}\n", encoding="utf-8")
    smtp = start_smtp(tmp_path / "mail", credentials=credentials)
    due = (datetime.now(UTC) - timedelta(minutes=1)).replace(second=0, microsecond=0)
    digest = {
        "mail_to": "dev@lists.example.org",
        "mail_from": "successbot@example.org",
        "send_at": f"{WEEKDAYS[due.weekday()]} {due:%H:%M}",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp.port),
        "smtp_user": "digest",
        "smtp_password_env": "DIGEST_SMTP_PASSWORD",
    }
    shared = {
        "channels": "#digestmail",
        "database_url": f"sqlite:///{tmp_path / 'shared.db'}",
        "sections": {"digest": digest, "announce": {"check_every": f"{CHECK_EVERY:g}s"}},
        "env": {"DIGEST_SMTP_PASSWORD": PASSWORD},
        "options": ("--log-level", "debug"),
    }
    try:
        first = start_bot(irc_network, nick="sbotmail1", wait=False, **shared)
        # The second starts once the first has made the database's schema (two instances upgrading one fresh
        # SQLite file at once collide: "duplicate column name"), and registers while the first does.
        wait_for_current_schema(shared["database_url"])
        second = start_bot(irc_network, nick="sbotmail2", wait=False, **shared)
        for bot in (first, second):
            bot.wait_joined()
        label = digest_period(due).label
        deadline = time.monotonic() + 20
        while not smtp.received() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3 * CHECK_EVERY)  # three more checks of each bot: neither may mail it again
        first.signal_and_wait()
        restarted = start_bot(irc_network, nick="sbotmail1", **shared)
        time.sleep(3 * CHECK_EVERY)  # and three checks of the restarted one
        (received,) = smtp.received()
        assert received.message["Subject"] == f"successbot digest {label}"
        assert received.rcpt_tos == ["dev@lists.example.org"]
        logs = first.log() + second.log() + restarted.log()
        assert logs.count(f"digest {label} mailed to dev@lists.example.org") == 1
        assert PASSWORD not in logs
    finally:
        smtp.stop()

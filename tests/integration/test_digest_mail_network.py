"""The digest mail from ``successbot run`` itself: two bots on one database, a real IRC network, a real SMTP server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from smtpserver import start_smtp
from successbot.announcements.digest_mail import digest_period
from successbot.announcements.plan import WEEKDAYS

pytestmark = pytest.mark.irc

PASSWORD = "digest-Pw-in-env-only"


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
        "sections": {"digest": digest, "announce": {"check_every": "1s"}},
        "env": {"DIGEST_SMTP_PASSWORD": PASSWORD},
        "options": ("--log-level", "debug"),
    }
    try:
        first = start_bot(irc_network, nick="sbotmail1", **shared)
        second = start_bot(irc_network, nick="sbotmail2", **shared)
        label = digest_period(due).label
        deadline = time.monotonic() + 20
        while not smtp.received() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # three more checks of each bot: neither may mail it again
        first.signal_and_wait()
        restarted = start_bot(irc_network, nick="sbotmail1", **shared)
        time.sleep(3)
        (received,) = smtp.received()
        assert received.message["Subject"] == f"successbot digest {label}"
        assert received.rcpt_tos == ["dev@lists.example.org"]
        logs = first.log() + second.log() + restarted.log()
        assert logs.count(f"digest {label} mailed to dev@lists.example.org") == 1
        assert PASSWORD not in logs
    finally:
        smtp.stop()

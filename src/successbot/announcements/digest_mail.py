"""Mailing the weekly digest: claim, render, send, mark sent. The scheduler calls ``DigestMailer.run_due`` every check.

At ``[digest] send_at`` the digest of the last full ISO week is due. It is
claimed under the key ``digest|<network>|<week>`` with the announcements'
claims, so two instances on one database, or one restarted, mail it once.
The claim is marked sent only after the SMTP server accepted the message; when
the server refused it (down, a bad login) the claim is released and the next
check tries again, until ``give_up_after`` past the due time, when it is
recorded as skipped with a log line: a digest days late helps nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from successbot.announcements.plan import Announcement, WeeklyTime
from successbot.core.dates import moment, span
from successbot.core.ports import AnnouncementClaims, MailDeliveryError, MailSender, StorageError
from successbot.core.weeks import Period, week_containing

log = logging.getLogger(__name__)

DIGEST = "digest"
CHANNEL = "mail"  # the claims' channel column: a mail has none, and the addresses may not fit its 64 characters


def digest_period(due: datetime) -> Period:
    """The last full ISO week before ``due``: a Monday's digest covers the week that ended the night before."""
    return week_containing(week_containing(due).start - timedelta(days=1))


def digest_subject(period: Period) -> str:
    return f"successbot digest {period.label}"


@dataclass
class DigestMailer:
    send_at: WeeklyTime
    claims: AnnouncementClaims
    sender: MailSender
    # The digest's text for a period: runtime.jobs gives the text digest, as `successbot digest` writes it.
    render: Callable[[Period], str]
    mail_from: str
    mail_to: tuple[str, ...]
    # The network the digest is claimed under; None while it is not known yet (the bot has not
    # connected): a server's host name now and its NETWORK= name later would be two keys, two mails.
    network: Callable[[], str | None]
    give_up_after: timedelta = timedelta(days=1)

    def run_due(self, now: datetime) -> Period | None:
        """Mail the digest now due, unless someone has; return the period this call mailed."""
        try:
            return self._run_due(now)
        except StorageError as error:
            log.error("digest mail: the database is unavailable (%s); trying again at the next check", error)
            return None

    def due_at(self, now: datetime) -> datetime | None:
        """The latest ``send_at`` at or before ``now``."""
        found = self.send_at.occurrences(now - timedelta(days=7), now + timedelta(microseconds=1))
        return found[-1] if found else None

    def _run_due(self, now: datetime) -> Period | None:
        due, network = self.due_at(now), self.network()
        if due is None or not network:
            return None
        period = digest_period(due)
        digest = Announcement(
            DIGEST, CHANNEL, due, f"{digest_subject(period)} to {', '.join(self.mail_to)}", "", network,
            identity=f"{DIGEST}|{network}|{period.label}",
        )  # fmt: skip
        # From a week before: a digest claimed under an earlier send_at (changed since) is the same digest.
        if self.claims.is_settled(self.claims.records_since(due - timedelta(days=7)).get(digest.key), now):
            return None
        if now - due > self.give_up_after:
            note = f"not mailed: due {moment(due)}, no server took it within {span(self.give_up_after)}"
            if self.claims.skip(digest, now, note):
                log.warning("digest %s left unsent: %s", period.label, note)
            return None
        if not self.claims.claim(digest, now):
            return None
        return period if self._send(digest, period, now) else None

    def _send(self, digest: Announcement, period: Period, now: datetime) -> bool:
        try:
            text = self.render(period)
            self.sender.send(self.message(digest, period, text, now))
        except MailDeliveryError as error:
            self._release(digest)
            log.error("digest %s not mailed: %s; trying again at the next check", period.label, error)
            return False
        except Exception:
            self._release(digest)
            log.exception("digest %s not mailed; trying again at the next check", period.label)
            return False
        try:
            self.claims.mark_sent(digest, now, text)
        except StorageError as error:  # the claim stays; once stale it is mailed again: once too often, never lost
            log.error("digest %s mailed, but could not record it (%s)", period.label, error)
            return True
        log.info("digest %s mailed to %s", period.label, ", ".join(self.mail_to))
        return True

    def message(self, digest: Announcement, period: Period, text: str, now: datetime) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = digest_subject(period)
        message["From"] = self.mail_from
        message["To"] = ", ".join(self.mail_to)
        message["Date"] = format_datetime(now)
        # The same for every try of this digest, so a list that got it once can tell a second copy.
        message["Message-ID"] = f"<successbot-digest-{period.label}.{digest.key[:16]}@{self._domain()}>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a bot
        message.set_content(text)
        return message

    def _domain(self) -> str:
        address = getaddresses([self.mail_from])[0][1]
        return address.rpartition("@")[2] or "successbot.invalid"

    def _release(self, digest: Announcement) -> None:
        try:
            self.claims.release(digest)
        except StorageError as error:
            log.error("could not release the claim on the digest (%s); it is retried once stale", error)

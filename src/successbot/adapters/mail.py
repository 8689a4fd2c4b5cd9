"""Mail through an SMTP server, with smtplib: the ``MailSender`` the digest mailer sends through.

Every step has a timeout (``[digest] smtp_timeout``), so a silent server
delays the next check, never hangs the bot. With ``starttls`` the
connection turns to TLS, the server's certificate checked, before any login
or message. Whatever goes wrong comes out as one ``MailDeliveryError`` that
names the server and the reason in words, never the password.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from email.message import EmailMessage

from successbot.config import DigestSettings
from successbot.core.ports import MailDeliveryError

log = logging.getLogger(__name__)


class SmtpSender:
    def __init__(self, settings: DigestSettings) -> None:
        self.settings = settings

    @property
    def server(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.effective_port}"

    def send(self, message: EmailMessage) -> None:
        """Returns once the server accepted ``message`` (for one recipient at least); else raises MailDeliveryError."""
        try:
            self._send(message)
        except smtplib.SMTPAuthenticationError as error:
            reply = _reply(error.smtp_code, error.smtp_error)
            raise MailDeliveryError(
                f"{self.server} refused the login as {self.settings.smtp_user!r}: {reply}"
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            refused = ", ".join(f"{to} ({_reply(*reply)})" for to, reply in error.recipients.items())
            raise MailDeliveryError(f"{self.server} refused the recipients {refused}") from None
        except smtplib.SMTPResponseException as error:
            raise MailDeliveryError(
                f"{self.server} refused the mail: {_reply(error.smtp_code, error.smtp_error)}"
            ) from None
        except smtplib.SMTPException as error:
            raise MailDeliveryError(f"{self.server}: {error}") from None
        except ssl.SSLError as error:
            raise MailDeliveryError(f"{self.server}: TLS failed ({error.reason or error})") from None
        except TimeoutError:
            raise MailDeliveryError(f"{self.server} did not answer within {self.settings.smtp_timeout:g}s") from None
        except OSError as error:
            raise MailDeliveryError(f"cannot reach {self.server}: {error.strerror or error}") from None

    def _send(self, message: EmailMessage) -> None:
        settings = self.settings
        smtp = smtplib.SMTP(settings.smtp_host, settings.effective_port, timeout=settings.smtp_timeout)
        try:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                assert settings.smtp_password is not None  # DigestSettings.check() makes sure
                smtp.login(settings.smtp_user, settings.smtp_password.reveal())
            refused = smtp.send_message(message)
        except BaseException:
            smtp.close()
            raise
        # Accepted: from here on nothing may fail the send, or the next check would mail it again.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()
        if refused:  # the others have it, so it is sent; the refused ones are told in the log
            log.warning("%s accepted the digest but refused %s", self.server,
                        ", ".join(f"{to} ({_reply(*reply)})" for to, reply in refused.items()))  # fmt: skip


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"

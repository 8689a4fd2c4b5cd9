"""No secret in the log: the raw lines logged at DEBUG have their passwords blanked.

A module of its own, with nothing but ``re`` and ``logging``: the log is set up,
and the first lines of registration are logged, before the irc library is loaded.
"""

from __future__ import annotations

import logging
import re


class SecretRedactor(logging.Filter):
    """Blanks secrets in raw lines that the irc library logs at DEBUG."""

    PATTERNS = (
        re.compile(r"(AUTHENTICATE )(?!PLAIN\b|\+$)\S+"),
        re.compile(r"(PASS :?)\S+"),
        re.compile(r"(PRIVMSG NickServ :IDENTIFY(?: \S+)? )\S+", re.IGNORECASE),
    )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for pattern in self.PATTERNS:
            redacted = pattern.sub(r"\1<hidden>", redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact(logger: logging.Logger) -> None:
    """Give ``logger`` the filter, once."""
    if not any(isinstance(f, SecretRedactor) for f in logger.filters):
        logger.addFilter(SecretRedactor())

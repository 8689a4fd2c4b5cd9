"""Success records: what one is and what text is acceptable. Where they are kept is ``ports.SuccessStore``.

A thanks (``#thanks bob for the review``) is recorded like a success, by the
same rules, in the same store: a record of kind ``THANKS`` whose ``thanked``
names who was thanked (None for ``#thanks WHAT``) and whose text is WHAT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from successbot.core.formatting import strip_formatting

MAX_TEXT_LENGTH = 400

# What a record is: a success, or a thanks. Stores read successes unless told otherwise.
SUCCESS, THANKS = "success", "thanks"
KINDS = (SUCCESS, THANKS)


class InvalidSuccessText(ValueError):
    """The text cannot be recorded; the message says why, for the user."""


@dataclass(frozen=True)
class NewSuccess:
    text: str
    nick: str
    channel: str
    created_at: datetime
    account: str | None = None
    userhost: str | None = None
    network: str = ""
    kind: str = SUCCESS
    thanked: str | None = None  # a thanks: the nick thanked, when one was named


@dataclass(frozen=True)
class Success:
    id: int
    text: str
    nick: str
    channel: str
    created_at: datetime
    account: str | None
    userhost: str | None
    network: str
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    kind: str = SUCCESS
    thanked: str | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_thanks(self) -> bool:
        return self.kind == THANKS

    @property
    def noun(self) -> str:
        """``success`` or ``thanks``, as replies name the record."""
        return self.kind


def shown_text(record: Success) -> str:
    """What a record says, as every list and page shows it after the nick.

    A success is its text; a thanks reads as said: ``thanks bob for the
    review``, or ``thanks`` and the text when nobody was named.
    """
    if not record.is_thanks:
        return record.text
    if record.thanked:
        return f"thanks {record.thanked} for {record.text}"
    return f"thanks {record.text}"


# A text cut at the limit ends at the last space this close to it, rather than inside a word.
WORD_CUT_REACH = 60


def clean_success_text(raw: str) -> str:
    """The text as it will be stored: formatting stripped, ends trimmed, cut at the limit.

    Raises InvalidSuccessText when nothing is left.
    """
    return fitted_success_text(raw)[0]


def fitted_success_text(raw: str) -> tuple[str, bool]:
    """``clean_success_text``, and whether the text was cut to fit ``MAX_TEXT_LENGTH``.

    A client splits a long message into several lines; only the first starts
    with ``#success``, so what arrives can be longer than the limit. It is kept
    up to the limit (at a word's end when one is near) instead of refused.
    """
    text = strip_formatting(raw).strip()
    if not text:
        raise InvalidSuccessText("empty")
    if len(text) <= MAX_TEXT_LENGTH:
        return text, False
    cut = text[:MAX_TEXT_LENGTH]
    space = cut.rfind(" ")
    if space >= MAX_TEXT_LENGTH - WORD_CUT_REACH and text[MAX_TEXT_LENGTH] != " ":
        cut = cut[:space]
    return cut.rstrip(), True


# "#thanks NICK for WHAT": a nick as IRC allows it, maybe written "@bob" or "bob:".
_THANKED = re.compile(r"@?([A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,63})[:,]?")


def parse_thanks(raw: str) -> tuple[str | None, str]:
    """``(nick, what)`` of ``#thanks NICK for WHAT``; ``(None, text)`` of ``#thanks WHAT``.

    Formatting is stripped first; WHAT is not yet cleaned (``fitted_success_text`` does that).
    """
    words = strip_formatting(raw).split(None, 2)
    if len(words) >= 2 and words[1].casefold() == "for" and (nick := _THANKED.fullmatch(words[0])):
        return nick.group(1), words[2] if len(words) == 3 else ""  # "#thanks bob for" says not what for
    return None, strip_formatting(raw)

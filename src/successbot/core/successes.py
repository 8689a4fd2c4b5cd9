"""Success records: what one is and what text is acceptable. Where they are kept is ``ports.SuccessStore``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from successbot.core.formatting import strip_formatting

MAX_TEXT_LENGTH = 400


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

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


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

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


def clean_success_text(raw: str) -> str:
    """The text as it will be stored: formatting stripped, ends trimmed, nothing else changed.

    Raises InvalidSuccessText when nothing is left or it is too long.
    """
    text = strip_formatting(raw).strip()
    if not text:
        raise InvalidSuccessText("empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidSuccessText(f"too long: {len(text)} characters, the limit is {MAX_TEXT_LENGTH}")
    return text

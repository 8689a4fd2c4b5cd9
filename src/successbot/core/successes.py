"""Success records: what one is, what text is acceptable, and where they are kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from successbot.core.formatting import strip_formatting

MAX_TEXT_LENGTH = 400


class InvalidSuccessText(ValueError):
    """The text cannot be recorded; the message says why, for the user."""


class StorageError(Exception):
    """The store could not do what was asked (database locked, disk full, gone)."""


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


class SuccessStore(Protocol):
    """Where successes live. Every method that changes something has committed when it returns."""

    def add(self, new: NewSuccess) -> Success: ...

    def get(self, success_id: int) -> Success | None: ...

    def recent(self, channel: str, limit: int) -> Sequence[Success]:
        """The newest ``limit`` live successes of ``channel``, newest first."""
        ...

    def latest(self, limit: int) -> Sequence[Success]:
        """The newest ``limit`` live successes of every channel, newest first."""
        ...

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        channel: str | None = None,
        network: str | None = None,
        include_deleted: bool = False,
    ) -> Sequence[Success]:
        """Successes with ``start <= created_at < end``, oldest first."""
        ...

    def mark_deleted(self, success_id: int, by: str, at: datetime) -> Success: ...

    def restore(self, success_id: int) -> Success: ...


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

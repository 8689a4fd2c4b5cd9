"""Database failures as the core sees them: one line saying why, in a ``StorageError``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from successbot.core.ports import StorageError


def database_reason(error: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy wraps it in ``orig``), for one log or error line."""
    original = getattr(error, "orig", None)
    lines = str(original if original is not None else error).splitlines()
    return lines[0] if lines and lines[0] else type(error).__name__


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn any SQLAlchemy error inside the block into a ``StorageError``: callers need not know SQL."""
    try:
        yield
    except SQLAlchemyError as error:
        raise StorageError(database_reason(error)) from error

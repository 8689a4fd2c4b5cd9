"""The successes (and thanks, rows of their own kind) kept in a SQL database: the SQLAlchemy side of ``SuccessStore``.

Each method is one short transaction; when it returns, the change is
committed. Database failures come out as ``StorageError`` so that callers
need not know SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from successbot.core.ports import UnknownSuccess
from successbot.core.successes import SUCCESS, NewSuccess, Success
from successbot.storage.errors import storage_errors
from successbot.storage.tables import SUCCESSES

T = TypeVar("T")
MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL's bigint hold; larger ids cannot exist
S = SUCCESSES.c


class SqlSuccessStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, new: NewSuccess) -> Success:
        values = {
            "text": new.text,
            "nick": _fit("nick", new.nick),
            "account": _fit("account", new.account),
            "userhost": _fit("userhost", new.userhost),
            "channel": _fit("channel", new.channel),
            "network": _fit("network", new.network),
            "created_at": new.created_at,
            "kind": new.kind,
            "thanked": _fit("thanked", new.thanked),
        }

        def insert_row(connection: Connection) -> Success:
            (row_id,) = connection.execute(insert(SUCCESSES), values).inserted_primary_key  # type: ignore[misc]
            return _to_success({**values, "id": row_id, "deleted_at": None, "deleted_by": None})

        return self._write(insert_row)

    def get(self, success_id: int) -> Success | None:
        if not 0 < success_id <= MAX_ID:
            return None
        with self._reading() as connection:
            row = connection.execute(select(SUCCESSES).where(S.id == success_id)).first()
            return None if row is None else _to_success(row._mapping)

    def recent(self, channel: str, limit: int, *, kind: str = SUCCESS) -> Sequence[Success]:
        query = (
            select(SUCCESSES)
            .where(S.channel == _fit("channel", channel), S.deleted_at.is_(None), S.kind == kind)
            .order_by(S.id.desc())
            .limit(limit)
        )
        return self._read_all(query)

    def latest(self, limit: int, *, kind: str | None = SUCCESS) -> Sequence[Success]:
        query = select(SUCCESSES).where(S.deleted_at.is_(None))
        if kind is not None:
            query = query.where(S.kind == kind)
        return self._read_all(query.order_by(S.created_at.desc(), S.id.desc()).limit(limit))

    def between(
        self,
        start: datetime,
        end: datetime,
        *,
        channel: str | None = None,
        network: str | None = None,
        include_deleted: bool = False,
        kind: str | None = SUCCESS,
    ) -> Sequence[Success]:
        query = select(SUCCESSES).where(S.created_at >= start, S.created_at < end)
        if channel is not None:
            query = query.where(S.channel == channel)
        if network is not None:
            query = query.where(S.network == network)
        if not include_deleted:
            query = query.where(S.deleted_at.is_(None))
        if kind is not None:
            query = query.where(S.kind == kind)
        return self._read_all(query.order_by(S.created_at, S.id))

    def mark_deleted(self, success_id: int, by: str, at: datetime) -> Success:
        def delete(connection: Connection) -> Success:
            row = self._row(connection, success_id)
            if row["deleted_at"] is not None:
                return _to_success(row)
            connection.execute(update(SUCCESSES).where(S.id == success_id).values(deleted_at=at, deleted_by=by))
            return _to_success({**row, "deleted_at": at, "deleted_by": by})

        return self._write(delete)

    def restore(self, success_id: int) -> Success:
        def undelete(connection: Connection) -> Success:
            row = self._row(connection, success_id)
            connection.execute(update(SUCCESSES).where(S.id == success_id).values(deleted_at=None, deleted_by=None))
            return _to_success({**row, "deleted_at": None, "deleted_by": None})

        return self._write(undelete)

    @staticmethod
    def _row(connection: Connection, success_id: int) -> dict[str, Any]:
        row = None
        if 0 < success_id <= MAX_ID:
            row = connection.execute(select(SUCCESSES).where(S.id == success_id)).first()
        if row is None:
            raise UnknownSuccess(success_id)
        return dict(row._mapping)

    def _read_all(self, query: Any) -> list[Success]:
        with self._reading() as connection:
            return [_to_success(row._mapping) for row in connection.execute(query)]

    def _write(self, change: Callable[[Connection], T]) -> T:
        with storage_errors(), self._engine.begin() as connection:
            return change(connection)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with storage_errors(), self._engine.connect() as connection:
            yield connection


def _fit(column: str, value: T) -> T:
    """``value`` cut to the column's length.

    The IRC server decides how long nicks, hosts and channel names may be, and
    PostgreSQL refuses what SQLite would keep; cutting the same way on both
    keeps a hostile or unusual server from making a success unrecordable.
    """
    length = getattr(S[column].type, "length", None)
    if isinstance(value, str) and length:
        return value[:length]  # type: ignore[return-value]
    return value


def _to_success(row: Any) -> Success:
    """A row (its mapping, or the values just written) as a ``Success``."""
    return Success(
        id=row["id"],
        text=row["text"],
        nick=row["nick"],
        channel=row["channel"],
        created_at=row["created_at"],
        account=row["account"],
        userhost=row["userhost"],
        network=row["network"],
        deleted_at=row["deleted_at"],
        deleted_by=row["deleted_by"],
        kind=row["kind"],
        thanked=row["thanked"],
    )

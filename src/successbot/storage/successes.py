"""The successes (and thanks, rows of their own kind) kept in a SQL database: the SQLAlchemy side of ``SuccessStore``.

Each method is one short transaction; when it returns, the change is
committed. Database failures come out as ``StorageError`` so that callers
need not know SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from successbot.core.ports import UnknownSuccess
from successbot.core.successes import SUCCESS, NewSuccess, Success
from successbot.storage.errors import storage_errors
from successbot.storage.models import SuccessRow

T = TypeVar("T")
MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL's bigint hold; larger ids cannot exist


class SqlSuccessStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add(self, new: NewSuccess) -> Success:
        def insert(session: Session) -> Success:
            row = SuccessRow(
                text=new.text,
                nick=_fit("nick", new.nick),
                account=_fit("account", new.account),
                userhost=_fit("userhost", new.userhost),
                channel=_fit("channel", new.channel),
                network=_fit("network", new.network),
                created_at=new.created_at,
                kind=new.kind,
                thanked=_fit("thanked", new.thanked),
            )
            session.add(row)
            session.flush()
            return _to_success(row)

        return self._write(insert)

    def get(self, success_id: int) -> Success | None:
        if not 0 < success_id <= MAX_ID:
            return None
        with self._reading() as session:
            row = session.get(SuccessRow, success_id)
            return None if row is None else _to_success(row)

    def recent(self, channel: str, limit: int, *, kind: str = SUCCESS) -> Sequence[Success]:
        query = (
            select(SuccessRow)
            .where(
                SuccessRow.channel == _fit("channel", channel), SuccessRow.deleted_at.is_(None), SuccessRow.kind == kind
            )
            .order_by(SuccessRow.id.desc())
            .limit(limit)
        )
        with self._reading() as session:
            return [_to_success(row) for row in session.scalars(query)]

    def latest(self, limit: int, *, kind: str | None = SUCCESS) -> Sequence[Success]:
        query = select(SuccessRow).where(SuccessRow.deleted_at.is_(None))
        if kind is not None:
            query = query.where(SuccessRow.kind == kind)
        query = query.order_by(SuccessRow.created_at.desc(), SuccessRow.id.desc()).limit(limit)
        with self._reading() as session:
            return [_to_success(row) for row in session.scalars(query)]

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
        query = select(SuccessRow).where(SuccessRow.created_at >= start, SuccessRow.created_at < end)
        if channel is not None:
            query = query.where(SuccessRow.channel == channel)
        if network is not None:
            query = query.where(SuccessRow.network == network)
        if not include_deleted:
            query = query.where(SuccessRow.deleted_at.is_(None))
        if kind is not None:
            query = query.where(SuccessRow.kind == kind)
        query = query.order_by(SuccessRow.created_at, SuccessRow.id)
        with self._reading() as session:
            return [_to_success(row) for row in session.scalars(query)]

    def mark_deleted(self, success_id: int, by: str, at: datetime) -> Success:
        def delete(session: Session) -> Success:
            row = self._row(session, success_id)
            if row.deleted_at is None:
                row.deleted_at, row.deleted_by = at, by
            return _to_success(row)

        return self._write(delete)

    def restore(self, success_id: int) -> Success:
        def undelete(session: Session) -> Success:
            row = self._row(session, success_id)
            row.deleted_at, row.deleted_by = None, None
            return _to_success(row)

        return self._write(undelete)

    @staticmethod
    def _row(session: Session, success_id: int) -> SuccessRow:
        row = session.get(SuccessRow, success_id) if 0 < success_id <= MAX_ID else None
        if row is None:
            raise UnknownSuccess(success_id)
        return row

    def _write(self, change: Callable[[Session], T]) -> T:
        with storage_errors(), self._sessions.begin() as session:
            return change(session)

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with storage_errors(), self._sessions() as session:
            yield session


def _fit(column: str, value: T) -> T:
    """``value`` cut to the column's length.

    The IRC server decides how long nicks, hosts and channel names may be, and
    PostgreSQL refuses what SQLite would keep; cutting the same way on both
    keeps a hostile or unusual server from making a success unrecordable.
    """
    length = getattr(SuccessRow.__table__.c[column].type, "length", None)
    if isinstance(value, str) and length:
        return value[:length]  # type: ignore[return-value]
    return value


def _to_success(row: SuccessRow) -> Success:
    return Success(
        id=row.id,
        text=row.text,
        nick=row.nick,
        channel=row.channel,
        created_at=row.created_at,
        account=row.account,
        userhost=row.userhost,
        network=row.network,
        deleted_at=row.deleted_at,
        deleted_by=row.deleted_by,
        kind=row.kind,
        thanked=row.thanked,
    )

"""The successes (and thanks, rows of their own kind) kept in a SQL database: the SQLAlchemy side of ``SuccessStore``.

Each method is one short transaction; when it returns, the change is
committed. Database failures come out as ``StorageError`` so that callers
need not know SQLAlchemy.

Recording and reading are on every ``#success`` and ``!successes``: they use
SQLAlchemy Core with statements built once (SQLAlchemy then reuses their
compiled form), not ORM sessions, which cost five times as much per call.

This process's writers take turns on a lock of their own before SQLite's:
one waiting for SQLite's write lock sleeps in its busy handler (1, 2, 5 ms…)
however soon the lock is free, which cut a burst of ``#success`` from four
worker threads to a few hundred a second. And the successes that queued for
that lock together are written in one transaction by whichever of their
threads gets it first (``_Pending``): a transaction's own cost (a pooled
connection, BEGIN, COMMIT) is paid once for them. Each ``add`` still returns
only once its row is committed. If that transaction fails for a reason a row
may have caused, each row is tried alone, so one bad row fails only itself.

On SQLite, a channel's newest successes (``recent``, what ``!successes``
lists) are kept until anything is committed to the database by anyone
(``commits.CommitCounter``): asked again meanwhile, they are not read again.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import OperationalError

from successbot.core.ports import StorageError, UnknownSuccess
from successbot.core.successes import SUCCESS, NewSuccess, Success
from successbot.storage.commits import CommitCounter
from successbot.storage.errors import storage_errors
from successbot.storage.tables import SUCCESSES

T = TypeVar("T")
MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL's bigint hold; larger ids cannot exist
S = SUCCESSES.c
RECENT_KEPT = 64  # channels' newest successes kept (each at most MAX_LISTED of them)


class SqlSuccessStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._write_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queued: list[_Pending] = []  # adds waiting for the write lock, oldest first
        # !successes' answers, kept while nothing is committed (SQLite): a channel's newest change only then.
        self._changes = CommitCounter(engine)
        self._recent: OrderedDict[tuple[str, int, str], tuple[tuple[int, int], list[Success]]] = OrderedDict()
        self._recent_lock = threading.Lock()

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
        pending = _Pending(values)
        with self._queue_lock:
            self._queued.append(pending)
        with self._write_lock:
            if not pending.settled:  # no thread before us took it along
                with self._queue_lock:
                    batch, self._queued = self._queued, []
                try:
                    self._insert(batch)
                finally:  # a bug raised here: the others taken along are told they were not recorded
                    for other in batch:
                        if not other.settled:
                            other.error = "writing it failed unexpectedly"
        if pending.error is not None:
            raise StorageError(pending.error)
        assert pending.id is not None
        return Success(id=pending.id, **values)  # type: ignore[arg-type]

    def _insert(self, batch: list[_Pending]) -> None:
        """Commit ``batch`` in one transaction, or each alone if that failed for a reason a row may have caused."""
        try:
            with storage_errors(), self._engine.begin() as connection:
                ids = [connection.execute(_INSERT, pending.values).inserted_primary_key[0] for pending in batch]
        except StorageError as error:
            # Locked, full, or the server gone: every row would fail alike, and each try would wait again.
            if len(batch) == 1 or isinstance(error.__cause__, OperationalError):
                for pending in batch:
                    pending.error = str(error)
                return
            for pending in batch:
                self._insert([pending])
            return
        for pending, success_id in zip(batch, ids, strict=True):
            pending.id = success_id

    def get(self, success_id: int) -> Success | None:
        if not 0 < success_id <= MAX_ID:
            return None
        found = self._read(_BY_ID, {"id": success_id})
        return found[0] if found else None

    def recent(self, channel: str, limit: int, *, kind: str = SUCCESS) -> Sequence[Success]:
        key, version = (_fit("channel", channel), limit, kind), self._changes.version()
        with self._recent_lock:
            kept = self._recent.get(key)
        if version is not None and kept is not None and kept[0] == version:
            return list(kept[1])
        found = self._read(_RECENT, {"channel": key[0], "kind": kind, "limit": limit})
        if version is not None:  # read after the version: what it found is never newer than its version says
            with self._recent_lock:
                self._recent[key] = (version, found)
                self._recent.move_to_end(key)
                while len(self._recent) > RECENT_KEPT:
                    self._recent.popitem(last=False)
        return list(found)

    def latest(self, limit: int, *, kind: str | None = SUCCESS) -> Sequence[Success]:
        return self._read(_latest(kind is not None), {"kind": kind, "limit": limit})

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
        query = _between(channel is not None, network is not None, include_deleted, kind is not None)
        values = {"start": start, "end": end, "channel": channel, "network": network, "kind": kind}
        with storage_errors(), self._engine.connect() as connection:
            return _sharing_repeats(connection.execute(query, values))

    def _read(self, query: Select[Any], values: dict[str, object]) -> list[Success]:
        with storage_errors(), self._engine.connect() as connection:
            return [_from_columns(row) for row in connection.execute(query, values).all()]

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
            row = connection.execute(_BY_ID, {"id": success_id}).first()
        if row is None:
            raise UnknownSuccess(success_id)
        return dict(row._mapping)

    def _write(self, change: Callable[[Connection], T]) -> T:
        with storage_errors(), self._write_lock, self._engine.begin() as connection:
            return change(connection)


@dataclasses.dataclass
class _Pending:
    """One add waiting for the write lock; settled by the thread that wrote it (maybe another's)."""

    values: dict[str, object]
    id: int | None = None
    error: str | None = None  # why it was not recorded

    @property
    def settled(self) -> bool:
        return self.id is not None or self.error is not None


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


# In the order of Success's fields, so that a row is its arguments.
_COLUMNS = tuple(S[field.name] for field in dataclasses.fields(Success))
_INSERT = insert(SUCCESSES)
_LIVE = S.deleted_at.is_(None)
_BY_ID = select(*_COLUMNS).where(S.id == bindparam("id"))
_RECENT = (
    select(*_COLUMNS)
    .where(S.channel == bindparam("channel"), _LIVE, S.kind == bindparam("kind"))
    .order_by(S.id.desc())
    .limit(bindparam("limit"))
)


@functools.cache
def _latest(of_kind: bool) -> Select[Any]:
    query = select(*_COLUMNS).where(_LIVE)
    if of_kind:
        query = query.where(S.kind == bindparam("kind"))
    return query.order_by(S.created_at.desc(), S.id.desc()).limit(bindparam("limit"))


@functools.cache
def _between(by_channel: bool, by_network: bool, include_deleted: bool, of_kind: bool) -> Select[Any]:
    """One statement for each combination of filters, built once."""
    query = select(*_COLUMNS).where(S.created_at >= bindparam("start"), S.created_at < bindparam("end"))
    if by_channel:
        query = query.where(S.channel == bindparam("channel"))
    if by_network:
        query = query.where(S.network == bindparam("network"))
    if not include_deleted:
        query = query.where(_LIVE)
    if of_kind:
        query = query.where(S.kind == bindparam("kind"))
    return query.order_by(S.created_at, S.id)


def _from_columns(row: Row[Any]) -> Success:
    return Success(*row)


# The columns whose values repeat from row to row (the same few nicks, channels, one network, two kinds).
_REPEATING = tuple(
    index
    for index, field in enumerate(dataclasses.fields(Success))
    if field.name in ("nick", "channel", "account", "userhost", "network", "deleted_by", "kind", "thanked")
)


def _sharing_repeats(rows: Iterable[Row[Any]]) -> list[Success]:
    """The rows as successes, each repeated value one string for all of them.

    A period's read is what the published pages and the exports hold while they write: a busy week is
    thousands of rows, and the database gives every row its own copy of the nick, the channel, the network
    and the kind, more than half of what the list weighs. Rows are taken one at a time, so their copies
    go as soon as the row is made a success.
    """
    shared: dict[str, str] = {}
    found = []
    for row in rows:
        values = list(row)
        for index in _REPEATING:
            if (value := values[index]) is not None:
                values[index] = shared.setdefault(value, value)
        found.append(Success(*values))
    return found

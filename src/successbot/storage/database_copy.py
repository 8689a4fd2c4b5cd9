"""Copying every table from one database to another: moving from SQLite to PostgreSQL.

The target is brought to the current schema first, then each table is copied
in foreign-key order, in batches, inside one transaction on the target, so a
failed copy leaves the target as it was. The source is read in one
transaction too, so the copy is a consistent snapshot. Afterwards the row
counts of both sides must agree, and PostgreSQL's id sequences are moved past
the copied ids so the next success does not collide with them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.engine import Connection, Engine

from successbot.storage.database import current_revision, upgrade
from successbot.storage.tables import METADATA, SCHEMA_REVISION

BATCH_ROWS = 5000


class CopyRefused(Exception):
    """The copy cannot or should not run; the message says why, in one line."""


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows


def copy_database(source: Engine, target: Engine, *, replace: bool = False) -> list[TableCopy]:
    """Copy every table of ``source`` into ``target``; returns the verified counts per table.

    A target that already holds rows is refused unless ``replace``, which
    empties it first (in the same transaction as the copy).
    """
    revision = current_revision(source)
    if revision != SCHEMA_REVISION:
        raise CopyRefused(
            f"the source database is at revision {revision or 'none (empty)'}, not {SCHEMA_REVISION}; "
            "run 'successbot db upgrade' on it first"
        )
    if source.url == target.url:
        raise CopyRefused("the source and the target are the same database")
    upgrade(target)
    tables = METADATA.sorted_tables  # parents before children
    with _snapshot(source) as reading, target.begin() as writing:
        occupied = [table.name for table in tables if _count(writing, table)]
        if occupied and not replace:
            raise CopyRefused(f"the target already holds rows in {', '.join(occupied)}; add --replace to overwrite")
        for table in reversed(tables):
            writing.execute(delete(table))
        for table in tables:
            _copy_table(reading, writing, table)
        if writing.dialect.name == "postgresql":
            for table in tables:
                _move_sequence_past_ids(writing, table)
        copies = [TableCopy(table.name, _count(reading, table), _count(writing, table)) for table in tables]
        mismatched = [copy for copy in copies if not copy.matches]
        if mismatched:
            described = ", ".join(f"{c.table} {c.source_rows} → {c.target_rows}" for c in mismatched)
            raise CopyRefused(f"row counts differ after copying ({described}); nothing was kept")
    return copies


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one consistent state of the source for the whole copy."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


def _count(connection: Connection, table: Table) -> int:
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _copy_table(reading: Connection, writing: Connection, table: Table) -> None:
    order = list(table.primary_key.columns)
    rows = reading.execute(select(table).order_by(*order)).mappings()
    while batch := rows.fetchmany(BATCH_ROWS):
        writing.execute(table.insert(), [dict(row) for row in batch])


def _move_sequence_past_ids(writing: Connection, table: Table) -> None:
    """Rows were inserted with their ids, which does not advance PostgreSQL's sequence."""
    for column in table.primary_key.columns:
        if column.autoincrement is not True and not (column.autoincrement == "auto" and column.type.python_type is int):
            continue
        writing.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX({column.name}), 1), "
                f"MAX({column.name}) IS NOT NULL) FROM {table.name}"
            ),
            {"table": table.name, "column": column.name},
        )

"""Successes recorded at the same moment by several threads share one transaction, and each still fails alone."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from pgserver import BACKENDS
from successbot.core.ports import StorageError
from successbot.core.successes import NewSuccess
from successbot.storage.database import make_engine
from successbot.storage.successes import SqlSuccessStore

MONDAY = datetime(2016, 3, 14, 10, 0, tzinfo=UTC)


def new(text: str, at: datetime = MONDAY) -> NewSuccess:
    return NewSuccess(text=text, nick="alice", channel="#dev", network="TestNet", created_at=at)


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def added_together(store: SqlSuccessStore, news: list[NewSuccess]) -> list[object]:
    """``store.add`` of each from a thread of its own, all queued behind the write lock first; the outcomes."""
    outcomes: list[object] = [None] * len(news)

    def add(index: int) -> None:
        try:
            outcomes[index] = store.add(news[index])
        except StorageError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=add, args=(index,)) for index in range(len(news))]
    with store._write_lock:  # as while another success is being written
        for thread in threads:
            thread.start()
        wait_until(lambda: len(store._queued) == len(news))
    for thread in threads:
        thread.join(10)
    return outcomes


def commits_during(engine, action) -> int:
    commits: list[object] = []
    listener = lambda _connection: commits.append(None)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        action()
    finally:
        event.remove(engine, "commit", listener)
    return len(commits)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_successes_waiting_together_are_committed_in_one_transaction_each_with_its_own_id(store, engine):
    news = [new(f"together {n}") for n in range(4)]
    outcomes: list[object] = []
    assert commits_during(engine, lambda: outcomes.extend(added_together(store, news))) == 1
    assert sorted(s.text for s in outcomes) == [n.text for n in news]  # type: ignore[union-attr]
    for success in outcomes:
        assert store.get(success.id) == success  # type: ignore[union-attr]
    assert len({s.id for s in outcomes}) == 4  # type: ignore[union-attr]


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_a_row_that_cannot_be_written_fails_alone_and_the_others_are_recorded(store):
    naive = datetime(2016, 3, 14, 10, 0)  # refused by the column type: "times in successbot are aware UTC"
    news = [new("first"), new("broken", at=naive), new("third")]  # type: ignore[arg-type]
    first, broken, third = added_together(store, news)
    assert isinstance(broken, StorageError) and "naive" in str(broken)
    assert [s.text for s in store.recent("#dev", 5)] == ["third", "first"]
    assert (first.text, third.text) == ("first", "third")  # type: ignore[union-attr]


def test_a_locked_database_fails_every_waiting_success_after_one_wait_not_one_each(tmp_path, migrated_template):
    path = tmp_path / "locked.db"
    path.write_bytes(migrated_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}", busy_timeout=0.3)
    store = SqlSuccessStore(engine)
    inserts: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    other_writer = make_engine(f"sqlite:///{path}").raw_connection()
    try:
        other_writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        outcomes = added_together(store, [new(f"while locked {n}") for n in range(4)])
    finally:
        other_writer.rollback()
        other_writer.close()
    assert all(isinstance(outcome, StorageError) and "locked" in str(outcome) for outcome in outcomes)
    assert len(inserts) == 1  # one wait of busy_timeout for the four, not one for each
    assert store.recent("#dev", 5) == []
    assert store.add(new("once the lock is gone")).text == "once the lock is gone"
    engine.dispose()


def test_the_commit_counter_moves_with_any_commit_and_never_creates_the_file(tmp_path):
    import sqlite3

    from successbot.storage.commits import CommitCounter

    path = tmp_path / "not yet.db"
    counter = CommitCounter(make_engine(f"sqlite:///{path}"))
    assert counter.version() is None and not path.exists()  # not there: the engine creates it, not the counter
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE t (x)")
    first = counter.version()
    assert first is not None and counter.version() == first  # nothing committed in between
    writer.execute("INSERT INTO t VALUES (1)")
    assert counter.version() != first
    writer.close()
    assert CommitCounter(make_engine("sqlite://")).version() is None  # in memory: one connection, never moves

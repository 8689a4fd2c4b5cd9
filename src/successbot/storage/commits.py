"""Has anything been committed to the database since I last looked? For answers kept between commands.

``!deadline`` and ``!successes`` each read the database through SQLAlchemy
(a hundred microseconds or more a statement on this project's VM) to answer
what is, most of the time, what they answered a moment ago. A store that
keeps an answer notes the counter's value beside it and reads again once
the value moved: a few microseconds to ask, and never a stale answer, since
any connection's commit (this process's or another's) moves it.
"""

from __future__ import annotations

import sqlite3
import threading
import urllib.parse

from sqlalchemy.engine import Engine


class CommitCounter:
    """SQLite's ``PRAGMA data_version`` on a connection of its own: it changes whenever any other connection, in
    this process or another, commits to the file. None (read again) on PostgreSQL, for a database in memory (one
    connection: it would never change), and after any error.
    """

    def __init__(self, engine: Engine) -> None:
        url = engine.url
        self._path = url.database if url.get_backend_name() == "sqlite" and not url.query else None
        if self._path in (None, "", ":memory:"):
            self._path = None
        self._connection: sqlite3.Connection | None = None
        self._opened = 0  # a connection opened anew counts afresh: its values never match an older one's
        self._lock = threading.Lock()

    def version(self) -> tuple[int, int] | None:
        """Equal to an earlier answer only if nothing was committed in between."""
        if self._path is None:
            return None
        with self._lock:
            try:
                if self._connection is None:
                    # Read-write, never create: a file that is not there yet is the engine's to create.
                    where = f"file:{urllib.parse.quote(self._path)}?mode=rw"
                    self._connection = sqlite3.connect(where, uri=True, check_same_thread=False, isolation_level=None)
                    self._opened += 1
                return self._opened, int(self._connection.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                self._close_locked()
                return None

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

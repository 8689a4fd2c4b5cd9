"""Which channels were private when the bot last saw their modes: the SQL side of ``ChannelPrivacyStore``.

``private_channels`` is asked on commands' paths (``Services.is_private``
when the connection has no live view of a channel, and every page rewrite),
and the answer changes only when a channel's modes do: it is kept, and read
again after any ``record`` here, or after ``FRESH_FOR`` seconds for what
another instance on the same database recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from successbot.core.privacy import channel_key
from successbot.storage.errors import storage_errors
from successbot.storage.models import ChannelPrivacyRow

_LENGTH = 64  # the columns' length: a longer name from an unusual server is cut, as the successes' are
FRESH_FOR = 30.0  # seconds a kept answer is trusted, for changes another instance makes


class SqlChannelPrivacyStore:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.monotonic) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: tuple[frozenset[str], float] | None = None  # the answer and when it was read
        self._records = 0  # counts this store's writes: a read that a write overtook is not kept

    def record(self, network: str, channel: str, private: bool, at: datetime) -> bool:
        """One row per channel and network, replaced by the latest sighting; True when the pages must change."""
        network, channel = network[:_LENGTH], channel[:_LENGTH]
        try:
            with storage_errors():
                try:
                    return self._upsert(network, channel, private, at)
                except IntegrityError:  # another instance on the same database inserted it first: update it
                    return self._upsert(network, channel, private, at)
        finally:
            with self._lock:  # the name's spelling may have changed too, not only its privacy
                self._kept, self._records = None, self._records + 1

    def _upsert(self, network: str, channel: str, private: bool, at: datetime) -> bool:
        with self._sessions.begin() as session:
            row = session.get(ChannelPrivacyRow, (network, channel_key(channel)))
            if row is None:
                session.add(ChannelPrivacyRow(network=network, channel_key=channel_key(channel), channel=channel,
                                              private=private, updated_at=at))  # fmt: skip
                return private  # a channel new to the table was public to the pages until now
            changed = row.private != private
            row.channel, row.private, row.updated_at = channel, private, at
            return changed

    def private_channels(self) -> frozenset[str]:
        with self._lock:
            kept, records = self._kept, self._records
        now = self._clock()
        if kept is not None and now - kept[1] < FRESH_FOR:
            return kept[0]
        query = select(ChannelPrivacyRow.channel).where(ChannelPrivacyRow.private.is_(True))
        with storage_errors(), self._sessions() as session:
            found = frozenset(session.scalars(query))
        with self._lock:
            if self._records == records:
                self._kept = (found, now)
        return found

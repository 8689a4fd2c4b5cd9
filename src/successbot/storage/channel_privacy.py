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

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from successbot.core.privacy import channel_key
from successbot.storage.errors import storage_errors
from successbot.storage.tables import CHANNEL_PRIVACY

P = CHANNEL_PRIVACY.c

_LENGTH = 64  # the columns' length: a longer name from an unusual server is cut, as the successes' are
FRESH_FOR = 30.0  # seconds a kept answer is trusted, for changes another instance makes


class SqlChannelPrivacyStore:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
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
        key = channel_key(channel)
        with self._engine.begin() as connection:
            this = (P.network == network) & (P.channel_key == key)
            known = connection.execute(select(P.private).where(this)).first()
            values = {"channel": channel, "private": private, "updated_at": at}
            if known is None:
                connection.execute(insert(CHANNEL_PRIVACY).values(network=network, channel_key=key, **values))
                return private  # a channel new to the table was public to the pages until now
            connection.execute(update(CHANNEL_PRIVACY).where(this).values(**values))
            return known.private != private

    def private_channels(self) -> frozenset[str]:
        with self._lock:
            kept, records = self._kept, self._records
        now = self._clock()
        if kept is not None and now - kept[1] < FRESH_FOR:
            return kept[0]
        query = select(P.channel).where(P.private.is_(True))
        with storage_errors(), self._engine.connect() as connection:
            found = frozenset(connection.scalars(query))
        with self._lock:
            if self._records == records:
                self._kept = (found, now)
        return found

"""Which channels were private when the bot last saw their modes: the SQL side of ``ChannelPrivacyStore``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from successbot.core.privacy import channel_key
from successbot.storage.errors import storage_errors
from successbot.storage.tables import CHANNEL_PRIVACY

P = CHANNEL_PRIVACY.c

_LENGTH = 64  # the columns' length: a longer name from an unusual server is cut, as the successes' are


class SqlChannelPrivacyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, network: str, channel: str, private: bool, at: datetime) -> bool:
        """One row per channel and network, replaced by the latest sighting; True when the pages must change."""
        network, channel = network[:_LENGTH], channel[:_LENGTH]
        with storage_errors():
            try:
                return self._upsert(network, channel, private, at)
            except IntegrityError:  # another instance on the same database inserted it first: update it
                return self._upsert(network, channel, private, at)

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
        query = select(P.channel).where(P.private.is_(True))
        with storage_errors(), self._engine.connect() as connection:
            return frozenset(connection.scalars(query))

"""Which channels were private when the bot last saw their modes: the SQL side of ``ChannelPrivacyStore``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from successbot.core.privacy import channel_key
from successbot.storage.errors import storage_errors
from successbot.storage.models import ChannelPrivacyRow

_LENGTH = 64  # the columns' length: a longer name from an unusual server is cut, as the successes' are


class SqlChannelPrivacyStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def record(self, network: str, channel: str, private: bool, at: datetime) -> bool:
        """One row per channel and network, replaced by the latest sighting; True when the pages must change."""
        network, channel = network[:_LENGTH], channel[:_LENGTH]
        with storage_errors():
            try:
                return self._upsert(network, channel, private, at)
            except IntegrityError:  # another instance on the same database inserted it first: update it
                return self._upsert(network, channel, private, at)

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
        query = select(ChannelPrivacyRow.channel).where(ChannelPrivacyRow.private.is_(True))
        with storage_errors(), self._sessions() as session:
            return frozenset(session.scalars(query))
